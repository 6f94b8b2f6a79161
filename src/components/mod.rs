//! UI components shared by the pages. None of them knows about etcd: they show domain types.

mod connection_banner;
mod key_table;
mod messages;
mod new_key_form;
mod value_panel;

pub use connection_banner::{ConnectionBanner, EtcdEpoch};
pub use key_table::KeyTable;
pub use messages::{ActionError, ErrorPanel, NoticeBar};
pub use new_key_form::NewKeyForm;
pub use value_panel::{ValueEditor, ValuePanel};
