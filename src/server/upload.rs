//! `POST /bulk/upload`: the import page's file (or pasted text), sent as a plain multipart
//! form so it works without JavaScript. It is read only from someone who may import, and
//! when no other import is being read (see [`bulk::import_turn`]); then checked, kept for its
//! sender (see [`crate::services::stash`]), and the answer is a redirect to the import page's
//! dry run.

use crate::domain::{transfer::parse_import, AppError};
use crate::services::{bulk, caller::Caller};
use crate::urls::routes::BULK_SEGMENT;
use axum::extract::Multipart;
use axum::response::{IntoResponse, Redirect, Response};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

pub async fn upload(caller: Caller, multipart: Multipart) -> Response {
    let refused = |err: AppError, pasted: Option<String>| {
        let message = utf8_percent_encode(&err.to_string(), NON_ALPHANUMERIC).to_string();
        let pasted = pasted.map(|id| format!("&pasted={id}")).unwrap_or_default();
        Redirect::to(&format!("/{BULK_SEGMENT}?error={message}{pasted}")).into_response()
    };
    let turn = match bulk::import_turn(&caller).await {
        Ok(turn) => turn,
        Err(err) => return refused(err, None),
    };
    let (bytes, pasted) = match read(multipart).await {
        Ok(read) => read,
        Err(err) => return refused(err, None),
    };
    let parsed = parse_import(&bytes).map(drop);
    drop(turn);
    match parsed {
        Ok(()) => {
            let id = caller.stash(bytes);
            Redirect::to(&format!("/{BULK_SEGMENT}?upload={id}")).into_response()
        }
        // Pasted text that does not parse is kept, for the page to offer it again to fix.
        Err(err) => refused(err, pasted.then(|| caller.stash(bytes))),
    }
}

/// The file chosen, or else the text pasted (and whether it was pasted).
async fn read(mut multipart: Multipart) -> Result<(Vec<u8>, bool), AppError> {
    let (mut file, mut text) = (Vec::new(), Vec::new());
    let broken = |err: axum::extract::multipart::MultipartError| {
        AppError::invalid(format!("the upload did not arrive whole ({err})"))
    };
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(broken)?;
        match name.as_str() {
            "file" => file = Vec::from(bytes),
            "text" => text = Vec::from(bytes),
            _ => {}
        }
    }
    match (file.is_empty(), text.iter().all(u8::is_ascii_whitespace)) {
        (false, _) => Ok((file, false)),
        (true, false) => Ok((text, true)),
        (true, true) => Err(AppError::invalid("choose a file, or paste an export")),
    }
}
