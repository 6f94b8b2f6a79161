//! UI components shared by the pages. None of them knows about etcd: they show domain types and
//! call server functions.

mod alert_list;
mod changed_meanwhile;
mod changes_since;
mod chart;
mod confirm_panel;
mod conflict;
mod connection_banner;
#[cfg(feature = "hydrate")]
pub mod follow;
mod key_history;
mod key_location;
mod key_preview;
mod key_table;
mod key_tools;
mod lease_clock;
mod loaded;
mod messages;
mod new_key_form;
mod page_data;
mod page_view;
mod refresh;
pub mod search_stream;
mod server_form;
mod session_bar;
mod shortcuts;
mod tree_table;
mod value_panel;
mod value_views;

pub use crate::domain::words::count;
pub use alert_list::{alerts_banner, AlertList};
pub use changed_meanwhile::ChangedMeanwhile;
pub use changes_since::Reread;
pub use chart::{clock, ChartView};
pub use confirm_panel::{ConfirmPanel, TypedName};
pub use conflict::ConflictView;
pub use connection_banner::{ConnectionBanner, EtcdEpoch};
pub use key_history::{diff_view, KeyHistoryPanel, PastVersionPanel};
pub use key_location::KeyLocationPanel;
pub use key_preview::{preview_url, KeyPreview, OPEN};
pub use key_table::{KeyName, KeyTable};
pub use key_tools::{KeyTools, NOT_TEXT};
pub use lease_clock::{lease_left, tick_every_second, LeaseClock};
pub use loaded::Loaded;
pub use messages::{use_notice, ActionError, ErrorPanel, NoticeBar};
pub use new_key_form::NewKeyForm;
pub use page_data::{page_data, PageData};
pub use page_view::PageView;
pub use refresh::refresh_every;
pub use server_form::{FormFields, FormValue, ServerForm};
pub use session_bar::session_bar;
pub use shortcuts::Shortcuts;
pub use tree_table::TreeTable;
pub use value_panel::{textarea_content, EditStart, ValueEditor};
pub use value_views::ValueViews;
