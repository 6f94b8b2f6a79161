//! UI components shared by the pages. None of them knows about etcd: they show domain types and
//! call server functions.

mod connection_banner;
mod key_table;
mod loaded;
mod messages;
mod new_key_form;
mod value_panel;

pub use connection_banner::{ConnectionBanner, EtcdEpoch};
pub use key_table::KeyTable;
pub use loaded::Loaded;
pub use messages::{use_notice, ActionError, ErrorPanel, NoticeBar};
pub use new_key_form::NewKeyForm;
pub use value_panel::{ValueEditor, ValuePanel};
