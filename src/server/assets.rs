//! How long browsers may keep what they are sent.
//!
//! The release build names its wasm, JS and CSS by their content's hash, so those never change
//! under their name and are cached for good; all but the main wasm and JS (see
//! [`HashedAssets::cached_for_good`]). Pages and API answers show etcd's data as it is now and may
//! hold secrets, so they are never stored.

use super::hook::Hook;
use axum::{
    extract::Request,
    http::{header, HeaderValue},
    response::Response,
};
use leptos::config::LeptosOptions;

/// Where the built wasm, JS and CSS are served from.
const PKG_PATH: &str = "/pkg/";

/// How the files under `/pkg/` are named.
#[derive(Debug, Clone)]
pub struct HashedAssets {
    /// Whether they carry their content's hash in their names.
    hashed: bool,
    /// `/pkg/<output name>.`, the start of the main wasm's and JS's names.
    main_bundle: String,
}

impl HashedAssets {
    pub fn new(options: &LeptosOptions) -> HashedAssets {
        HashedAssets {
            hashed: options.hash_files,
            main_bundle: format!("{PKG_PATH}{}.", options.output_name),
        }
    }

    /// Whether the file at `path` may be kept for good: a file under `/pkg/` named by its hash.
    /// The main wasm and JS are not: splitting the wasm (`--split`), cargo-leptos hashes them
    /// before it writes the split loader's hashed name into them, so a change to a lazy route
    /// alone changes their content under the same name. Browsers revalidate those.
    fn cached_for_good(&self, path: &str) -> bool {
        let main_code = path.starts_with(&self.main_bundle)
            && (path.ends_with(".wasm") || path.ends_with(".js"));
        self.hashed && path.starts_with(PKG_PATH) && !main_code
    }
}

/// Whether the release build left its list of hashed names (`hash.txt`) beside this binary;
/// Leptos reads the names from there.
pub fn hash_file_beside_binary(hash_file: &str) -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(hash_file)))
        .is_some_and(|path| path.exists())
}

/// Gives every response without one a `Cache-Control` header: files under hashed names are kept
/// for good, other static files checked each time, everything else never stored.
impl Hook for HashedAssets {
    /// Whether the file asked for may be kept for good, and whether it is a static file at all.
    type Carry = (bool, bool);

    fn before(&self, request: &mut Request) -> Result<(bool, bool), Response> {
        let path = request.uri().path();
        let is_static = path.starts_with(PKG_PATH) || path == "/favicon.svg";
        Ok((self.cached_for_good(path), is_static))
    }

    fn after((for_good, is_static): (bool, bool), mut response: Response) -> Response {
        let policy = if for_good && response.status().is_success() {
            "public, max-age=31536000, immutable"
        } else if is_static {
            "no-cache"
        } else {
            "no-store"
        };
        response
            .headers_mut()
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static(policy));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assets(hashed: bool) -> HashedAssets {
        HashedAssets {
            hashed,
            main_bundle: "/pkg/etcd-deck.".into(),
        }
    }

    #[test]
    fn split_chunks_the_loader_and_the_style_sheet_are_kept_for_good() {
        for path in [
            "/pkg/split___search_route_view_28337.KTHPqDSJP8f-Nf1ki_cAOg.wasm",
            "/pkg/chunk_7.Pu7gmQ-GANYE_52nclCe-g.wasm",
            "/pkg/__wasm_split.Rt882LXWUEk2Lw8w0XeGSw.js",
            "/pkg/etcd-deck.F5QQ2wpR3ji3o4U0ELdx0w.css",
        ] {
            assert!(assets(true).cached_for_good(path), "{path}");
        }
    }

    #[test]
    fn the_main_wasm_and_js_are_revalidated() {
        for path in [
            "/pkg/etcd-deck.S0ryT23-tj4h5_QDggX-yA.wasm",
            "/pkg/etcd-deck._TiIL4tKff9v-dHrYZspqw.js",
        ] {
            assert!(!assets(true).cached_for_good(path), "{path}");
        }
    }

    #[test]
    fn nothing_is_kept_for_good_without_hashed_names_or_outside_pkg() {
        assert!(!assets(false).cached_for_good("/pkg/etcd-deck.css"));
        assert!(!assets(true).cached_for_good("/favicon.svg"));
        assert!(!assets(true).cached_for_good("/"));
    }
}
