//! Moving many keys at once: the export file (a header line, then one JSON line per key,
//! byte-exact for any key and value), what an import reads from it, and the reports of imports,
//! pinned deletes, copies and moves.

mod export;
mod import;
mod report;
mod selection;
#[cfg(test)]
mod tests;

pub use export::*;
pub use import::*;
pub use report::*;
pub use selection::*;
