//! [`MiniLm`]: all-MiniLM-L6-v2 as sentence-transformers runs it: WordPiece tokens (at most
//! 256 with `[CLS]` and `[SEP]`), the BERT encoder, mean pooling over the attention mask, L2
//! normalisation.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};
use unspun_core::semantic::{EmbedError, Embedder};

use crate::Error;
use crate::bert::{BertConfig, BertModel};

/// File names inside a model directory (the layout of the sentence-transformers folder).
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// BERT configuration.
pub const CONFIG_FILE: &str = "config.json";
/// The Hugging Face tokenizer (its own padding and truncation settings are overridden).
pub const TOKENIZER_FILE: &str = "tokenizer.json";

/// Knobs of [`MiniLm`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedConfig {
    /// Texts run through the encoder at once; each batch is padded to its longest text only.
    pub batch_size: usize,
    /// Longest input in tokens, `[CLS]` and `[SEP]` included; longer texts are cut at the end.
    /// 256 is all-MiniLM-L6-v2's `max_seq_length` in `sentence_bert_config.json` (the
    /// tokenizer.json's own 128 is not what sentence-transformers uses).
    pub max_tokens: usize,
}

impl Default for EmbedConfig {
    fn default() -> Self {
        Self { batch_size: 32, max_tokens: 256 }
    }
}

/// all-MiniLM-L6-v2 (or another BERT sentence-transformers model with mean pooling and
/// normalisation) on the CPU. Embeddings are deterministic and in input order.
pub struct MiniLm {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    dim: usize,
    pad_id: u32,
    config: EmbedConfig,
    name: String,
}

/// A tokenised text: its ids, `[CLS]` and `[SEP]` included.
struct Tokens {
    text_idx: usize,
    ids: Vec<u32>,
}

impl MiniLm {
    /// The model's name in reports.
    pub const NAME: &'static str = "all-MiniLM-L6-v2";

    /// Loads the model from `dir` (`model.safetensors`, `config.json`, `tokenizer.json`, as
    /// `scripts/fetch-model.sh` leaves them) with the default [`EmbedConfig`].
    pub fn load(dir: &Path) -> Result<Self, Error> {
        Self::load_with(dir, EmbedConfig::default())
    }

    /// Loads the model from `dir` with `config`.
    pub fn load_with(dir: &Path, config: EmbedConfig) -> Result<Self, Error> {
        if !dir.is_dir() {
            return Err(Error::MissingModel { dir: dir.to_owned() });
        }
        let file = |name: &str| -> Result<PathBuf, Error> {
            let path = dir.join(name);
            if path.is_file() { Ok(path) } else { Err(Error::MissingFile { path }) }
        };
        let (config_path, tokenizer_path, weights_path) =
            (file(CONFIG_FILE)?, file(TOKENIZER_FILE)?, file(WEIGHTS_FILE)?);
        if config.batch_size == 0 {
            return Err(Error::Config("batch_size must be at least 1".to_owned()));
        }
        if config.max_tokens < 2 {
            return Err(Error::Config("max_tokens must leave room for [CLS] and [SEP]".to_owned()));
        }

        let bad = |path: &Path, reason: String| Error::BadFile { path: path.to_owned(), reason };
        let config_text = std::fs::read_to_string(&config_path)
            .map_err(|source| Error::Io { path: config_path.clone(), source })?;
        let bert_config: BertConfig =
            serde_json::from_str(&config_text).map_err(|e| bad(&config_path, e.to_string()))?;
        if let Some(reason) = bert_config.unsupported() {
            return Err(bad(&config_path, reason));
        }
        if config.max_tokens > bert_config.max_position_embeddings {
            return Err(Error::Config(format!(
                "max_tokens {} is more than the model's max_position_embeddings {}",
                config.max_tokens, bert_config.max_position_embeddings
            )));
        }

        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| bad(&tokenizer_path, e.to_string()))?;
        // tokenizer.json pads every text to 128 and cuts at 128; sentence-transformers cuts at
        // max_seq_length and pads each batch to its longest text. Batches are padded here.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: config.max_tokens,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                direction: TruncationDirection::Right,
            }))
            .map_err(|e| bad(&tokenizer_path, e.to_string()))?;
        let pad_id = tokenizer.token_to_id("[PAD]").unwrap_or(0);

        let device = Device::Cpu;
        let weights = candle_core::safetensors::load(&weights_path, &device)
            .map_err(|e| bad(&weights_path, e.to_string()))?;
        // Checkpoints saved from BertForXxx carry a `bert.` prefix.
        let prefixed = !weights.contains_key("embeddings.word_embeddings.weight")
            && weights.contains_key("bert.embeddings.word_embeddings.weight");
        let vb = VarBuilder::from_tensors(weights, DType::F32, &device);
        let vb = if prefixed { vb.pp("bert") } else { vb };
        let model =
            BertModel::load(vb, &bert_config).map_err(|e| bad(&weights_path, e.to_string()))?;

        Ok(Self {
            model,
            tokenizer,
            device,
            dim: bert_config.hidden_size,
            pad_id,
            config,
            name: Self::NAME.to_owned(),
        })
    }

    /// The configuration the model was loaded with.
    pub fn config(&self) -> &EmbedConfig {
        &self.config
    }

    /// The number of tokens of `text`, `[CLS]` and `[SEP]` included, after truncation.
    pub fn count_tokens(&self, text: &str) -> Result<usize, Error> {
        let encoding = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| Error::Embed(format!("tokenizer: {e}")))?;
        Ok(encoding.get_ids().len())
    }

    /// Embeds `texts` (see [`Embedder::embed`]); errors are this crate's.
    pub fn embed_texts(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, Error> {
        let mut vectors = vec![vec![0f32; self.dim]; texts.len()];
        let mut tokenised = Vec::with_capacity(texts.len());
        for (text_idx, text) in texts.iter().enumerate() {
            let encoding = self
                .tokenizer
                .encode(*text, true)
                .map_err(|e| Error::Embed(format!("tokenizer: {e}")))?;
            let ids = encoding.get_ids();
            // Only [CLS] and [SEP]: an empty (or whitespace-only) text has no content to embed
            // and stays all zeros, which every cosine treats as "no similarity".
            if ids.len() > 2 {
                tokenised.push(Tokens { text_idx, ids: ids.to_vec() });
            }
        }
        // Texts of similar length share a batch, so little padding is computed. Padding does
        // not change a text's vector (it is masked out of attention and pooling).
        tokenised.sort_by_key(|tokens| tokens.ids.len());
        for batch in tokenised.chunks(self.config.batch_size) {
            let embedded = self.embed_batch(batch).map_err(|e| Error::Embed(e.to_string()))?;
            for (tokens, vector) in batch.iter().zip(embedded) {
                vectors[tokens.text_idx] = vector;
            }
        }
        Ok(vectors)
    }

    /// One padded batch through the encoder, mean pooling and normalisation.
    fn embed_batch(&self, batch: &[Tokens]) -> candle_core::Result<Vec<Vec<f32>>> {
        let seq_len = batch.iter().map(|tokens| tokens.ids.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(batch.len() * seq_len);
        let mut mask = Vec::with_capacity(batch.len() * seq_len);
        for tokens in batch {
            let n_pad = seq_len - tokens.ids.len();
            ids.extend_from_slice(&tokens.ids);
            ids.extend(std::iter::repeat_n(self.pad_id, n_pad));
            mask.extend(std::iter::repeat_n(1f32, tokens.ids.len()));
            mask.extend(std::iter::repeat_n(0f32, n_pad));
        }
        let ids = Tensor::from_vec(ids, (batch.len(), seq_len), &self.device)?;
        let mask = Tensor::from_vec(mask, (batch.len(), seq_len), &self.device)?;
        let hidden = self.model.forward(&ids, &mask)?;

        // Mean over the tokens (sentence-transformers' Pooling, pooling_mode_mean_tokens),
        // then x / max(‖x‖, 1e-12) (its Normalize, torch's F.normalize).
        let summed = hidden.broadcast_mul(&mask.unsqueeze(2)?)?.sum(1)?;
        let counts = mask.sum_keepdim(1)?.clamp(1e-9f32, f32::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12f32, f32::MAX)?;
        mean.broadcast_div(&norms)?.to_vec2::<f32>()
    }
}

impl Embedder for MiniLm {
    fn dim(&self) -> usize {
        self.dim
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed_texts(texts).map_err(|e| EmbedError(e.to_string()))
    }
}
