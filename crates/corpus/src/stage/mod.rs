//! The stages that read and write `--out`, one file each, over the pure record functions of
//! [`crate::prints`], [`crate::pairs`] and [`crate::align`]. The trace stage is in the driver.

pub(crate) mod boilerplate;
pub(crate) mod pairs;
pub(crate) mod prints;
pub(crate) mod reuse;
