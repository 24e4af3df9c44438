//! Canonical word forms: the spellings a spinner or an editor swaps without changing meaning.
//!
//! Every [`Token`] carries, besides the hash of its normalised surface form, a `canon` hash:
//! the hash of the canonical form of the word, or of the whole alias phrase it starts, or
//! [`ABSORBED`] for the later words of such a phrase. Fingerprints of an index built with
//! `ShingleConfig::canonical` hash canonical forms, so that "U.S.", "USA" and "United States"
//! shingle alike; the aligner treats tokens with equal canonical forms as equivalent (a
//! substitution it still lists, scored as a match) and skips absorbed words for free.
//! A stop word whose canonical form differs ("US" written in capitals) counts as a content
//! word wherever canonical forms are used ([`Token::is_content`]).
//!
//! The tables are the project's, kept here: they only hold rewrites that cannot create a false
//! match between two texts that say different things:
//! - entity and name aliases ("Russia" ≡ "Russian Federation", "ISIS" ≡ "ISIL" ≡ "Islamic
//!   State" ≡ all-caps "IS", "U.N." ≡ "United Nations"); short all-caps forms that are also
//!   English words ("US", "IS", "UN", "AP", "WHO") count only when written in capitals;
//! - abbreviated titles, months and agency words ("Sen." ≡ "senator", "Sept." ≡ "September");
//! - numbers: digit groups ("1,000" ≡ "1000"), number words up to twenty and the tens
//!   ("five" ≡ "5"), ordinals ("third" ≡ "3rd"); "percent" and "per cent" are absorbed so
//!   that "10 percent" ≡ "10%";
//! - British spellings fold to American ones ("colour", "organised", "centre", "travelled",
//!   "defence", "paediatric").

use std::collections::HashMap;
use std::sync::OnceLock;

pub use crate::token::ABSORBED;
use crate::token::{Token, token_hash};

/// Alias groups: a canonical id and the phrases (lower-case words as the tokenizer gives them)
/// that name it.
#[rustfmt::skip]
const ALIASES: &[(&str, &[&str])] = &[
    ("=us", &["united states", "united states of america", "u.s", "u.s.a", "usa"]),
    ("=uk", &["united kingdom", "u.k", "britain", "great britain"]),
    ("=un", &["united nations", "u.n"]),
    ("=eu", &["european union", "e.u"]),
    ("=russia", &["russia", "russian federation"]),
    ("=isis", &["isis", "isil", "islamic state", "daesh", "islamic state of iraq and the levant",
        "islamic state of iraq and syria", "islamic state group"]),
    ("=nkorea", &["north korea", "dprk", "democratic people's republic of korea"]),
    ("=skorea", &["south korea", "republic of korea"]),
    ("=china", &["china", "people's republic of china", "prc"]),
    ("=iran", &["iran", "islamic republic of iran"]),
    ("=syria", &["syria", "syrian arab republic"]),
    ("=uae", &["uae", "u.a.e", "united arab emirates"]),
    ("=nato", &["nato", "north atlantic treaty organization", "north atlantic treaty organisation"]),
    ("=fbi", &["fbi", "federal bureau of investigation"]),
    ("=cia", &["cia", "central intelligence agency"]),
    ("=nsa", &["nsa", "national security agency"]),
    ("=who", &["world health organization", "world health organisation"]),
    ("=imf", &["imf", "international monetary fund"]),
    ("=fed", &["federal reserve", "federal reserve board"]),
    ("=pentagon", &["pentagon", "defense department", "department of defense", "dod"]),
    ("=doj", &["justice department", "department of justice", "doj"]),
    ("=dhs", &["department of homeland security", "homeland security department", "dhs"]),
    ("=statedept", &["state department", "department of state"]),
    ("=epa", &["epa", "environmental protection agency"]),
    ("=cdc", &["cdc", "centers for disease control and prevention", "centers for disease control"]),
    ("=gop", &["gop", "republican party", "grand old party"]),
    ("=dnc", &["dnc", "democratic national committee"]),
    ("=rnc", &["rnc", "republican national committee"]),
    ("=ap", &["associated press"]),
    ("=afp", &["afp", "agence france-presse", "agence france presse"]),
    ("=nyc", &["nyc", "new york city"]),
    ("=dc", &["d.c", "district of columbia"]),
    ("=kremlin", &["kremlin"]),
];

/// All-caps forms that are English words in lower case: aliases only when written in capitals.
const CAPS_ALIASES: &[(&str, &str)] = &[
    ("us", "=us"),
    ("uk", "=uk"),
    ("un", "=un"),
    ("eu", "=eu"),
    ("is", "=isis"),
    ("ap", "=ap"),
    ("who", "=who"),
    ("rok", "=skorea"),
];

/// Single words with another spelling of the same meaning: (variant, canonical form).
#[rustfmt::skip]
const WORDS: &[(&str, &str)] = &[
    // Titles and common abbreviations.
    ("mr", "mister"), ("dr", "doctor"), ("sen", "senator"), ("rep", "representative"),
    ("gov", "governor"), ("gen", "general"), ("lt", "lieutenant"), ("col", "colonel"),
    ("sgt", "sergeant"), ("capt", "captain"), ("prof", "professor"), ("pres", "president"),
    ("atty", "attorney"), ("govt", "government"), ("gov't", "government"), ("dept", "department"),
    ("corp", "corporation"), ("intl", "international"), ("natl", "national"),
    ("univ", "university"), ("assn", "association"), ("ave", "avenue"),
    // Months.
    ("jan", "january"), ("feb", "february"), ("apr", "april"), ("aug", "august"),
    ("sept", "september"), ("sep", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december"),
    // Numbers.
    ("zero", "0"), ("one", "1"), ("two", "2"), ("three", "3"), ("four", "4"), ("five", "5"),
    ("six", "6"), ("seven", "7"), ("eight", "8"), ("nine", "9"), ("ten", "10"), ("eleven", "11"),
    ("twelve", "12"), ("thirteen", "13"), ("fourteen", "14"), ("fifteen", "15"),
    ("sixteen", "16"), ("seventeen", "17"), ("eighteen", "18"), ("nineteen", "19"),
    ("twenty", "20"), ("thirty", "30"), ("forty", "40"), ("fifty", "50"), ("sixty", "60"),
    ("seventy", "70"), ("eighty", "80"), ("ninety", "90"),
    ("first", "1st"), ("second", "2nd"), ("third", "3rd"), ("fourth", "4th"), ("fifth", "5th"),
    ("sixth", "6th"), ("seventh", "7th"), ("eighth", "8th"), ("ninth", "9th"), ("tenth", "10th"),
    // British spellings without a regular family.
    ("grey", "gray"), ("greys", "grays"), ("programme", "program"), ("programmes", "programs"),
    ("aluminium", "aluminum"), ("sceptic", "skeptic"), ("sceptics", "skeptics"),
    ("sceptical", "skeptical"), ("scepticism", "skepticism"), ("mould", "mold"),
    ("plough", "plow"), ("pyjamas", "pajamas"), ("moustache", "mustache"),
    ("catalogue", "catalog"), ("catalogues", "catalogs"), ("analogue", "analog"),
    ("paediatric", "pediatric"), ("paediatrician", "pediatrician"),
    ("paediatricians", "pediatricians"), ("orthopaedic", "orthopedic"), ("anaemia", "anemia"),
    ("anaesthetic", "anesthetic"), ("haemorrhage", "hemorrhage"), ("leukaemia", "leukemia"),
    ("oestrogen", "estrogen"), ("foetus", "fetus"), ("foetal", "fetal"),
    ("manoeuvre", "maneuver"), ("manoeuvres", "maneuvers"), ("judgement", "judgment"),
    ("judgements", "judgments"), ("ageing", "aging"), ("acknowledgement", "acknowledgment"),
    ("jewellery", "jewelry"), ("marvellous", "marvelous"), ("fulfil", "fulfill"),
    ("fulfils", "fulfills"), ("enrol", "enroll"), ("enrols", "enrolls"),
    ("enrolment", "enrollment"), ("instalment", "installment"), ("skilful", "skillful"),
    ("wilful", "willful"), ("defence", "defense"), ("defences", "defenses"),
    ("offence", "offense"), ("offences", "offenses"), ("licence", "license"),
    ("licences", "licenses"), ("pretence", "pretense"), ("practise", "practice"),
    ("practised", "practiced"), ("practising", "practicing"), ("practises", "practices"),
    ("cosy", "cozy"), ("kerb", "curb"), ("storeys", "stories"), ("tonne", "ton"),
    ("tonnes", "tons"), ("adviser", "advisor"), ("advisers", "advisors"),
];

/// British "-our" stems (American "-or"), each with the suffixes below.
const OUR_STEMS: &[&str] = &[
    "colour",
    "favour",
    "honour",
    "labour",
    "neighbour",
    "behaviour",
    "humour",
    "rumour",
    "harbour",
    "vigour",
    "flavour",
    "savour",
    "endeavour",
    "armour",
    "parlour",
    "valour",
    "odour",
    "candour",
    "splendour",
    "saviour",
    "clamour",
    "rigour",
    "tumour",
    "vapour",
];
const OUR_SUFFIXES: &[&str] = &[
    "", "s", "ed", "ing", "ite", "ites", "able", "ably", "al", "ally", "er", "ers", "ful", "less",
    "hood", "hoods", "ly",
];

/// British "-ise" verb stems (American "-ize"), with the "-ise" forms below.
const ISE_STEMS: &[&str] = &[
    "organ",
    "recogn",
    "real",
    "apolog",
    "critic",
    "emphas",
    "author",
    "priorit",
    "privat",
    "legal",
    "mobil",
    "character",
    "minim",
    "maxim",
    "summar",
    "special",
    "util",
    "normal",
    "stabil",
    "final",
    "visual",
    "capital",
    "central",
    "civil",
    "scrutin",
    "jeopard",
    "sympath",
    "categor",
    "popular",
    "public",
    "subsid",
    "terror",
    "legitim",
    "modern",
    "neutral",
    "standard",
    "hospital",
    "global",
    "democrat",
    "polar",
    "penal",
    "marginal",
    "monopol",
    "national",
    "industrial",
    "harmon",
    "immun",
    "memor",
    "patron",
    "stigmat",
    "sanit",
    "digit",
    "incentiv",
    "weapon",
    "radical",
    "destabil",
    "decriminal",
    "demon",
    "agon",
    "antagon",
    "colon",
    "fertil",
    "galvan",
    "hypothes",
    "idol",
    "item",
    "local",
    "militar",
    "moral",
    "optim",
    "social",
    "symbol",
    "synchron",
    "tantal",
    "trivial",
    "urban",
    "vandal",
    "politic",
    "equal",
    "familiar",
    "formal",
    "general",
    "human",
    "ideal",
    "liberal",
    "rational",
    "random",
    "commercial",
    "personal",
    "individual",
    "jeopard",
    "specialis",
];
const ISE_SUFFIXES: &[(&str, &str)] = &[
    ("ise", "ize"),
    ("ises", "izes"),
    ("ised", "ized"),
    ("ising", "izing"),
    ("isation", "ization"),
    ("isations", "izations"),
    ("iser", "izer"),
    ("isers", "izers"),
];

/// British "-yse" verbs.
const YSE_STEMS: &[&str] = &["anal", "paral", "catal"];
const YSE_SUFFIXES: &[(&str, &str)] =
    &[("yse", "yze"), ("yses", "yzes"), ("ysed", "yzed"), ("ysing", "yzing")];

/// British "-re" nouns (American "-er").
const RE_STEMS: &[&str] =
    &["cent", "theat", "met", "lit", "fib", "calib", "spect", "somb", "meag", "lust", "sab"];
const RE_SUFFIXES: &[(&str, &str)] = &[("re", "er"), ("res", "ers"), ("red", "ered")];

/// British doubled "l" before a suffix (American single "l").
const LL_STEMS: &[&str] = &[
    "travel", "cancel", "label", "model", "fuel", "signal", "counsel", "channel", "level", "total",
    "quarrel", "dial", "marshal", "tunnel", "rival", "pedal", "shovel", "swivel", "equal",
    "grovel", "libel", "duel", "jewel", "panel", "snorkel", "worship", "kidnap",
];
const LL_SUFFIXES: &[&str] = &["ed", "ing", "er", "ers", "or", "ors"];

/// Words dropped from the canonical stream ("10 percent" ≡ "10%").
const DROPPED: &[&str] = &["percent"];
/// Phrases dropped from the canonical stream.
const DROPPED_PHRASES: &[&str] = &["per cent"];

/// An alias phrase of two or more words.
#[derive(Debug)]
struct Phrase {
    /// Surface hashes of its words after the first.
    rest: Vec<u64>,
    /// The last word with a possessive `'s`, when the phrase has two words or more.
    rest_last_possessive: u64,
    /// Canonical hashes; `None` when the phrase is dropped.
    canon: Option<Entry>,
}

/// The canonical hashes of one table entry.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Of the word.
    canon: u64,
    /// Of the word with a possessive `'s`.
    possessive: u64,
}

impl Entry {
    fn new(canonical: &str) -> Entry {
        if canonical.is_empty() {
            return Entry { canon: ABSORBED, possessive: ABSORBED };
        }
        Entry { canon: canon_hash(canonical), possessive: canon_hash(&format!("{canonical}'s")) }
    }
}

/// The hasher of tables keyed by values that are already hashes (xxh3 of a word, fingerprints,
/// hashes of document groups): the key is its own table hash, since hashing it again (SipHash)
/// would only cost time on hot paths (ingest, the corpus job's lookups and pair counts).
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A map keyed by hashes ([`KeyHasher`]).
pub type KeyMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<KeyHasher>>;

/// A Bloom filter of hashes (two bits of a 16,384-bit set per hash): whether a table may
/// hold a key, without a probe of the table. Most words are in no table, and the tokenizer
/// asks for every word of every text.
#[derive(Debug)]
struct HashFilter(Box<[u64; 256]>);

impl Default for HashFilter {
    fn default() -> Self {
        HashFilter(Box::new([0; 256]))
    }
}

impl HashFilter {
    fn bits(hash: u64) -> [usize; 2] {
        [(hash & 0x3FFF) as usize, ((hash >> 32) & 0x3FFF) as usize]
    }

    fn insert(&mut self, hash: u64) {
        for bit in Self::bits(hash) {
            self.0[bit / 64] |= 1 << (bit % 64);
        }
    }

    /// `false` when no inserted hash is `hash`; `true` when one may be.
    fn may_hold(&self, hash: u64) -> bool {
        Self::bits(hash).iter().all(|&bit| self.0[bit / 64] & (1 << (bit % 64)) != 0)
    }
}

#[derive(Debug, Default)]
struct Tables {
    /// Surface hash of a normalised word → its canonical hashes (aliases and spellings).
    words: KeyMap<Entry>,
    /// Surface hash of a normalised word written in capitals → its canonical hashes.
    caps: KeyMap<Entry>,
    /// Surface hash of a phrase's first word (plain or possessive) → phrases, longest first.
    phrases: KeyMap<Vec<Phrase>>,
    /// The keys of `words` and `caps`.
    word_keys: HashFilter,
    /// The keys of `phrases`.
    phrase_keys: HashFilter,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build_tables)
}

fn build_tables() -> Tables {
    let mut t = Tables::default();
    let mut add_word = |from: String, to: String| {
        t.words.entry(token_hash(&from)).or_insert_with(|| Entry::new(&to));
    };
    for (from, to) in WORDS {
        add_word(from.to_string(), to.to_string());
    }
    for stem in OUR_STEMS {
        let american = format!("{}or", &stem[..stem.len() - 3]);
        for suffix in OUR_SUFFIXES {
            add_word(format!("{stem}{suffix}"), format!("{american}{suffix}"));
        }
    }
    for (stems, suffixes) in
        [(ISE_STEMS, ISE_SUFFIXES), (YSE_STEMS, YSE_SUFFIXES), (RE_STEMS, RE_SUFFIXES)]
    {
        for stem in stems {
            for (british, american) in suffixes {
                add_word(format!("{stem}{british}"), format!("{stem}{american}"));
            }
        }
    }
    for stem in LL_STEMS {
        let last = &stem[stem.len() - 1..];
        for suffix in LL_SUFFIXES {
            add_word(format!("{stem}{last}{suffix}"), format!("{stem}{suffix}"));
        }
    }
    for (canon, phrases) in ALIASES {
        for phrase in *phrases {
            let words: Vec<&str> = phrase.split(' ').collect();
            if words.len() == 1 {
                t.words.insert(token_hash(words[0]), Entry::new(canon));
            } else {
                add_phrase(&mut t.phrases, &words, Some(canon));
            }
        }
    }
    for word in DROPPED {
        t.words.insert(token_hash(word), Entry::new(""));
    }
    for phrase in DROPPED_PHRASES {
        let words: Vec<&str> = phrase.split(' ').collect();
        add_phrase(&mut t.phrases, &words, None);
    }
    for (word, canon) in CAPS_ALIASES {
        t.caps.insert(token_hash(word), Entry::new(canon));
    }
    for list in t.phrases.values_mut() {
        list.sort_by_key(|p| std::cmp::Reverse(p.rest.len()));
    }
    for &hash in t.words.keys().chain(t.caps.keys()) {
        t.word_keys.insert(hash);
    }
    for &hash in t.phrases.keys() {
        t.phrase_keys.insert(hash);
    }
    t
}

fn add_phrase(phrases: &mut KeyMap<Vec<Phrase>>, words: &[&str], canon: Option<&'static str>) {
    let rest: Vec<u64> = words[1..].iter().map(|w| token_hash(w)).collect();
    let last = words[words.len() - 1];
    let rest_last_possessive = token_hash(&format!("{last}'s"));
    let phrase = Phrase { rest, rest_last_possessive, canon: canon.map(Entry::new) };
    phrases.entry(token_hash(words[0])).or_default().push(phrase);
}

/// The canonical hash of one normalised word whose surface hash is `hash`, or `None` when the
/// word is its own canonical form ([`ABSORBED`] when it is dropped). `original` is the word as
/// written, for all-caps aliases.
pub(crate) fn canonical_word(normalized: &str, original: &str, hash: u64) -> Option<u64> {
    let t = tables();
    let caps = || original.len() >= 2 && original.bytes().all(|b| b.is_ascii_uppercase());
    let lookup = |h: u64| {
        if !t.word_keys.may_hold(h) {
            return None;
        }
        t.words.get(&h).or_else(|| if caps() { t.caps.get(&h) } else { None })
    };
    if let Some(entry) = lookup(hash) {
        return Some(entry.canon);
    }
    let bytes = normalized.as_bytes();
    if let Some(base) = normalized.strip_suffix("'s").filter(|b| !b.is_empty())
        && let Some(entry) = lookup(token_hash(base))
    {
        return Some(entry.possessive);
    }
    // Digit groups: "1,000" and "1000" are one number.
    if bytes.first().is_some_and(u8::is_ascii_digit)
        && bytes.contains(&b',')
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b',')
    {
        return Some(canon_hash(&normalized.replace(',', "")));
    }
    None
}

/// The canonical hash of a (non-empty) canonical string; never [`ABSORBED`].
pub(crate) fn canon_hash(canonical: &str) -> u64 {
    let h = token_hash(canonical);
    if h == ABSORBED { 1 } else { h }
}

/// Rewrites the `canon` of tokens that start an alias phrase (the phrase's canonical id) and
/// of the words it absorbs ([`ABSORBED`]). Single words were canonicalised by the tokenizer.
pub(crate) fn apply_phrases(tokens: &mut [Token]) {
    let t = tables();
    let mut i = 0;
    while i < tokens.len() {
        let hash = tokens[i].hash;
        let Some(candidates) = t.phrase_keys.may_hold(hash).then(|| t.phrases.get(&hash)).flatten()
        else {
            i += 1;
            continue;
        };
        let mut taken = 0;
        for phrase in candidates {
            let n = phrase.rest.len();
            if i + n >= tokens.len() {
                continue;
            }
            let matches = (0..n).all(|k| {
                let h = tokens[i + 1 + k].hash;
                h == phrase.rest[k] || (k + 1 == n && h == phrase.rest_last_possessive)
            });
            if !matches {
                continue;
            }
            let possessive = tokens[i + n].hash == phrase.rest_last_possessive;
            tokens[i].canon = match phrase.canon {
                Some(entry) if possessive => entry.possessive,
                Some(entry) => entry.canon,
                None => ABSORBED,
            };
            for token in &mut tokens[i + 1..=i + n] {
                token.canon = ABSORBED;
            }
            taken = n;
            break;
        }
        i += 1 + taken;
    }
}

#[cfg(test)]
mod tests {
    use crate::text::tokenize;

    use super::*;

    fn canons(text: &str) -> Vec<u64> {
        tokenize(text).iter().map(|t| t.canon).filter(|c| *c != ABSORBED).collect()
    }

    #[test]
    fn aliases_of_one_entity_share_a_canonical_form() {
        let a = canons("The U.S. and Russia met at the U.N. on Monday");
        assert_eq!(a, canons("The United States and Russian Federation met at the UN on Monday"));
        assert_eq!(a, canons("The USA and Russia met at the United Nations on Monday"));
        assert_eq!(canons("ISIS fighters"), canons("Islamic State fighters"));
        assert_eq!(canons("ISIS fighters"), canons("IS fighters"));
        assert_eq!(canons("Russia's army"), canons("Russian Federation's army"));
    }

    #[test]
    fn lower_case_words_are_not_caps_aliases() {
        assert_ne!(canons("it is us"), canons("it IS US"));
        assert_eq!(canons("tell us"), canons("tell us"));
        assert_ne!(canons("tell us"), canons("tell USA"));
    }

    #[test]
    fn numbers_spellings_and_titles() {
        assert_eq!(canons("five people, 1,000 dollars"), canons("5 people, 1000 dollars"));
        assert_eq!(canons("10 percent"), canons("10%"));
        assert_eq!(canons("10 per cent of voters"), canons("10% of voters"));
        assert_eq!(canons("the colour of the centre"), canons("the color of the center"));
        assert_eq!(canons("they organised and travelled"), canons("they organized and traveled"));
        assert_eq!(canons("Sen. Smith said in Sept."), canons("Senator Smith said in September"));
        assert_eq!(canons("the defence programme"), canons("the defense program"));
    }

    #[test]
    fn different_entities_stay_different() {
        assert_ne!(canons("North Korea"), canons("South Korea"));
        assert_ne!(canons("Russia"), canons("Ukraine"));
        assert_ne!(canons("the state"), canons("Islamic State"));
        // A phrase must be whole: "united" alone is a plain word.
        assert_ne!(canons("united fans"), canons("USA fans"));
    }

    #[test]
    fn key_filters_hold_every_key_and_few_others() {
        let t = tables();
        assert!(t.words.keys().chain(t.caps.keys()).all(|&h| t.word_keys.may_hold(h)));
        assert!(t.phrases.keys().all(|&h| t.phrase_keys.may_hold(h)));
        let others: Vec<u64> = (0..10_000).map(|k| token_hash(&format!("w{k}"))).collect();
        let false_hits = others.iter().filter(|&&h| t.word_keys.may_hold(h)).count();
        assert!(false_hits < 1_000, "{false_hits} of 10,000 other words pass the word filter");
        assert!(!others.iter().all(|&h| t.phrase_keys.may_hold(h)));
    }

    #[test]
    fn phrase_words_after_the_first_are_absorbed() {
        let tokens = tokenize("Russian Federation forces");
        assert_ne!(tokens[0].canon, ABSORBED);
        assert_eq!(tokens[1].canon, ABSORBED);
        assert_eq!(tokens[2].canon, tokens[2].hash);
    }
}
