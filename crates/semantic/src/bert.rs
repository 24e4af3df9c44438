//! A compact BERT encoder (the forward pass of Hugging Face `BertModel`, inference only) on
//! candle, enough for all-MiniLM-L6-v2 and other absolute-position BERT checkpoints.
//!
//! Written here rather than taken from `candle-transformers`, whose one crate holds a hundred
//! models and costs minutes of cold build for the ~150 lines needed (see the README). The
//! layer layout and the tensor names follow `transformers`' `modeling_bert.py`, so the
//! safetensors file of a `BertModel` loads as it is. Dropout is left out (inference).

use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};
use serde::Deserialize;

/// The fields of a BERT `config.json` that the forward pass needs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BertConfig {
    /// Vocabulary size (rows of the word embeddings).
    pub vocab_size: usize,
    /// Width of every hidden state.
    pub hidden_size: usize,
    /// Number of encoder layers.
    pub num_hidden_layers: usize,
    /// Attention heads per layer; divides `hidden_size`.
    pub num_attention_heads: usize,
    /// Width of the feed-forward block.
    pub intermediate_size: usize,
    /// Activation of the feed-forward block; only `gelu` (the exact, erf-based one) is built.
    #[serde(default = "default_hidden_act")]
    pub hidden_act: String,
    /// Rows of the position embeddings: the longest input the model takes.
    pub max_position_embeddings: usize,
    /// Rows of the token-type embeddings.
    #[serde(default = "default_type_vocab_size")]
    pub type_vocab_size: usize,
    /// Epsilon of every layer norm.
    #[serde(default = "default_layer_norm_eps")]
    pub layer_norm_eps: f64,
    /// Only `absolute` is built.
    #[serde(default = "default_position_embedding_type")]
    pub position_embedding_type: String,
}

fn default_hidden_act() -> String {
    "gelu".to_owned()
}
fn default_type_vocab_size() -> usize {
    2
}
fn default_layer_norm_eps() -> f64 {
    1e-12
}
fn default_position_embedding_type() -> String {
    "absolute".to_owned()
}

impl BertConfig {
    /// Why this configuration cannot be run by [`BertModel`], if it cannot.
    pub fn unsupported(&self) -> Option<String> {
        if self.hidden_act != "gelu" {
            return Some(format!(
                "hidden_act {:?} is not supported (only \"gelu\")",
                self.hidden_act
            ));
        }
        if self.position_embedding_type != "absolute" {
            return Some(format!(
                "position_embedding_type {:?} is not supported (only \"absolute\")",
                self.position_embedding_type
            ));
        }
        if self.num_attention_heads == 0
            || !self.hidden_size.is_multiple_of(self.num_attention_heads)
        {
            return Some(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            ));
        }
        if self.type_vocab_size == 0 {
            return Some("type_vocab_size is 0".to_owned());
        }
        None
    }
}

struct Embeddings {
    word: Embedding,
    position: Tensor,
    /// Row 0 of the token-type embeddings: every token is of type 0 for single sentences.
    token_type_0: Tensor,
    layer_norm: LayerNorm,
}

impl Embeddings {
    fn load(vb: VarBuilder<'_>, config: &BertConfig) -> Result<Self> {
        let hidden = config.hidden_size;
        let word = candle_nn::embedding(config.vocab_size, hidden, vb.pp("word_embeddings"))?;
        let position =
            vb.pp("position_embeddings").get((config.max_position_embeddings, hidden), "weight")?;
        let token_type =
            vb.pp("token_type_embeddings").get((config.type_vocab_size, hidden), "weight")?;
        let token_type_0 = token_type.get(0)?;
        let layer_norm = candle_nn::layer_norm(hidden, config.layer_norm_eps, vb.pp("LayerNorm"))?;
        Ok(Self { word, position, token_type_0, layer_norm })
    }

    /// `input_ids`: `[batch, seq]` u32 → `[batch, seq, hidden]`.
    fn forward(&self, input_ids: &Tensor) -> Result<Tensor> {
        let (_, seq_len) = input_ids.dims2()?;
        let words = self.word.forward(input_ids)?;
        let positions = self.position.narrow(0, 0, seq_len)?;
        let x = words.broadcast_add(&positions)?.broadcast_add(&self.token_type_0)?;
        self.layer_norm.forward(&x)
    }
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_output: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
    n_heads: usize,
    head_dim: usize,
}

impl Layer {
    fn load(vb: VarBuilder<'_>, config: &BertConfig) -> Result<Self> {
        let (hidden, inner, eps) =
            (config.hidden_size, config.intermediate_size, config.layer_norm_eps);
        let attention = vb.pp("attention");
        let self_attention = attention.pp("self");
        Ok(Self {
            query: candle_nn::linear(hidden, hidden, self_attention.pp("query"))?,
            key: candle_nn::linear(hidden, hidden, self_attention.pp("key"))?,
            value: candle_nn::linear(hidden, hidden, self_attention.pp("value"))?,
            attention_output: candle_nn::linear(hidden, hidden, attention.pp("output.dense"))?,
            attention_norm: candle_nn::layer_norm(hidden, eps, attention.pp("output.LayerNorm"))?,
            intermediate: candle_nn::linear(hidden, inner, vb.pp("intermediate.dense"))?,
            output: candle_nn::linear(inner, hidden, vb.pp("output.dense"))?,
            output_norm: candle_nn::layer_norm(hidden, eps, vb.pp("output.LayerNorm"))?,
            n_heads: config.num_attention_heads,
            head_dim: hidden / config.num_attention_heads,
        })
    }

    /// Splits `[batch, seq, hidden]` into heads: `[batch, heads, seq, head_dim]`.
    fn heads(&self, x: &Tensor) -> Result<Tensor> {
        let (batch, seq_len, _) = x.dims3()?;
        x.reshape((batch, seq_len, self.n_heads, self.head_dim))?.transpose(1, 2)?.contiguous()
    }

    /// `x`: `[batch, seq, hidden]`; `mask_bias`: `[batch, 1, 1, seq]`, 0 on tokens and a large
    /// negative number on padding, so that no token attends to padding.
    fn forward(&self, x: &Tensor, mask_bias: &Tensor) -> Result<Tensor> {
        let (batch, seq_len, hidden) = x.dims3()?;
        let q = self.heads(&self.query.forward(x)?)?;
        let k = self.heads(&self.key.forward(x)?)?;
        let v = self.heads(&self.value.forward(x)?)?;
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        let scores = (q.matmul(&k.t()?)? * scale)?.broadcast_add(mask_bias)?;
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let context =
            probs.matmul(&v)?.transpose(1, 2)?.contiguous()?.reshape((batch, seq_len, hidden))?;
        let attended =
            self.attention_norm.forward(&(self.attention_output.forward(&context)? + x)?)?;
        let inner = self.intermediate.forward(&attended)?.gelu_erf()?;
        self.output_norm.forward(&(self.output.forward(&inner)? + attended)?)
    }
}

/// The BERT encoder: embeddings and layers, without the pooler (sentence-transformers does
/// not use it).
pub struct BertModel {
    embeddings: Embeddings,
    layers: Vec<Layer>,
}

impl BertModel {
    /// Builds the model from tensors named as in `BertModel` (`embeddings.*`, `encoder.layer.N.*`).
    pub fn load(vb: VarBuilder<'_>, config: &BertConfig) -> Result<Self> {
        let embeddings = Embeddings::load(vb.pp("embeddings"), config)?;
        let layers = (0..config.num_hidden_layers)
            .map(|layer_idx| Layer::load(vb.pp(format!("encoder.layer.{layer_idx}")), config))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { embeddings, layers })
    }

    /// The last hidden states `[batch, seq, hidden]` of `input_ids` (`[batch, seq]`, u32) with
    /// `attention_mask` (`[batch, seq]`, f32: 1 on tokens, 0 on padding).
    pub fn forward(&self, input_ids: &Tensor, attention_mask: &Tensor) -> Result<Tensor> {
        let (batch, seq_len) = input_ids.dims2()?;
        // (1 - mask) × -1e9: exp() of it underflows to exactly 0 in the softmax, as
        // transformers' finfo.min does, without the risk of adding two huge numbers.
        let mask_bias = ((attention_mask.to_dtype(DType::F32)? - 1.0)? * 1e9)?
            .reshape((batch, 1, 1, seq_len))?;
        let mut x = self.embeddings.forward(input_ids)?;
        for layer in &self.layers {
            x = layer.forward(&x, &mask_bias)?;
        }
        Ok(x)
    }
}
