//! Small fixtures: real-looking news articles and the corpora built from them.

use serde_json::json;

/// One article of a fixture corpus.
pub struct Article {
    pub id: &'static str,
    pub title: &'static str,
    pub text: &'static str,
    pub date: &'static str,
    pub source: &'static str,
}

/// The paragraph that two outlets printed, days apart.
pub const SENATE_PARAGRAPH: &str = "The Senate passed the spending bill by a vote of 68 to 30 late \
     on Wednesday, averting a government shutdown hours before the deadline. The measure keeps \
     federal agencies funded through mid-December and sets up another fight over the debt \
     ceiling.";

/// A sentence of `REUTERS_SYRIA` that the spun article rewrites ("Russia" → "Russian
/// Federation").
pub const SYRIA_SENTENCE: &str =
    "Russia ramps up its military presence in Syria in support of President Bashar Assad.";

/// A sentence of `REUTERS_SYRIA` that the spun article copies verbatim.
pub const SYRIA_VERBATIM: &str = "Officials in Washington said the deployment included \
     fighter jets, tanks and several hundred marines at an airfield near Latakia.";

pub const REUTERS_SYRIA: Article = Article {
    id: "reuters-2015-09-20-syria",
    title: "Russia builds up forces in Syria",
    text: "Russia ramps up its military presence in Syria in support of President Bashar Assad. \
           Officials in Washington said the deployment included fighter jets, tanks and several \
           hundred marines at an airfield near Latakia. Putin and Obama are scheduled to meet on \
           the sidelines of the UN General Assembly in New York next week.",
    date: "2015-09-20",
    source: "Reuters",
};

pub const AP_STORM: Article = Article {
    id: "ap-2015-09-21-storm",
    title: "Storm knocks out power along the coast",
    text: "A powerful storm battered the eastern coast on Tuesday, knocking out power to more than \
           forty thousand homes. Emergency crews worked through the night to clear fallen trees \
           from the main roads. The weather service said the rain would ease by Thursday morning.",
    date: "2015-09-21",
    source: "Associated Press",
};

pub const CNN_MARKETS: Article = Article {
    id: "cnn-2015-09-23-markets",
    title: "Stocks slide on China worries",
    text: "Stocks fell sharply on Wednesday as investors worried about slowing growth in China. \
           The Dow Jones industrial average closed down 204 points, its worst day in two weeks. \
           Oil prices also dropped as traders bet on weaker demand from Asian factories.",
    date: "2015-09-23",
    source: "CNN",
};

/// The first printing of `SENATE_PARAGRAPH`; non-ASCII text before it makes character and
/// byte offsets differ.
pub const AP_SENATE: Article = Article {
    id: "ap-2015-10-01-senate",
    title: "Senate averts shutdown",
    text: "“We’re relieved,” said Senator José Álvarez of New Mexico after the vote. The Senate \
           passed the spending bill by a vote of 68 to 30 late on Wednesday, averting a \
           government shutdown hours before the deadline. The measure keeps federal agencies \
           funded through mid-December and sets up another fight over the debt ceiling.",
    date: "2015-10-01",
    source: "Associated Press",
};

/// A later copy of `SENATE_PARAGRAPH`.
pub const BLOG_SENATE: Article = Article {
    id: "dailyblog-2015-10-04-shutdown",
    title: "Shutdown drama ends (for now)",
    text: "The Senate passed the spending bill by a vote of 68 to 30 late on Wednesday, averting \
           a government shutdown hours before the deadline. The measure keeps federal agencies \
           funded through mid-December and sets up another fight over the debt ceiling. Our \
           readers already know what we think about the whole circus in the capital.",
    date: "2015-10-04",
    source: "Daily Blog",
};

/// The news corpus that the trace tests index.
pub const NEWS: [Article; 5] = [REUTERS_SYRIA, AP_STORM, CNN_MARKETS, AP_SENATE, BLOG_SENATE];

/// JSON Lines of `articles`.
pub fn jsonl(articles: &[Article]) -> String {
    articles.iter().map(|a| json_line(a) + "\n").collect()
}

/// One article as a JSON Lines record.
pub fn json_line(a: &Article) -> String {
    json!({"id": a.id, "title": a.title, "text": a.text, "date": a.date, "source": a.source})
        .to_string()
}

/// An article spun from `REUTERS_SYRIA`: its title again as a line, a wire dateline, one spun
/// sentence, one verbatim sentence and one sentence of its own.
pub const SPUN_SYRIA_TXT: &str = "Moscow expands its role in Syria\n\n\
     Washington (CNN) - Russian Federation ramps up its military presence in Syria in support of \
     President Bashar Assad. Officials in Washington said the deployment included fighter jets, \
     tanks and several hundred marines at an airfield near Latakia. Our correspondent could not \
     confirm the numbers with anyone at the embassy on Friday.\n";

/// Words for generated articles: each article gets distinct sentences from these.
const SUBJECTS: [&str; 10] = [
    "The city council",
    "The state health department",
    "A federal judge",
    "The transport ministry",
    "Local police",
    "The central bank",
    "A coalition of farmers",
    "The school board",
    "Hospital officials",
    "The energy regulator",
];
const VERBS: [&str; 8] = [
    "announced",
    "rejected",
    "postponed",
    "defended",
    "criticised",
    "approved",
    "reviewed",
    "questioned",
];
const OBJECTS: [&str; 9] = [
    "a plan to widen the northern highway",
    "new rules for short-term rentals",
    "the budget for the coming fiscal year",
    "a proposal to close two rural clinics",
    "an inquiry into delayed pension payments",
    "higher fees for water and sewer service",
    "a contract for electric buses",
    "changes to the flood warning system",
    "a ban on fireworks during the dry season",
];
const TAILS: [&str; 6] = [
    "after a meeting that lasted well past midnight",
    "despite protests outside the building",
    "citing figures published earlier this month",
    "in a statement released on Tuesday afternoon",
    "following weeks of public hearings",
    "as residents demanded answers about the cost",
];
const OUTLETS: [&str; 4] = ["Reuters", "Associated Press", "The Guardian", "Fox News"];

/// `n` generated but realistic articles as JSON Lines: distinct multi-sentence texts, titles,
/// dates and outlets.
pub fn generated_corpus(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let mut sentences = Vec::new();
        for s in 0..6 {
            let k = i * 7 + s * 3;
            sentences.push(format!(
                "{} {} {} {}, according to report {} of case {}.",
                SUBJECTS[k % SUBJECTS.len()],
                VERBS[(k / 2 + s) % VERBS.len()],
                OBJECTS[(k + i) % OBJECTS.len()],
                TAILS[(k / 3 + i) % TAILS.len()],
                i * 10 + s,
                1000 + i
            ));
        }
        let record = json!({
            "id": format!("gen-{i:03}"),
            "title": format!("{} {} plan number {i}", SUBJECTS[i % SUBJECTS.len()], VERBS[i % VERBS.len()]),
            "text": sentences.join(" "),
            "date": format!("2016-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
            "source": OUTLETS[i % OUTLETS.len()],
        });
        out.push_str(&record.to_string());
        out.push('\n');
    }
    out
}
