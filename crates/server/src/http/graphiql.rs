//! GraphiQL at `/`, served entirely by the binary.
//!
//! The page loads a pinned GraphiQL release and React's production builds
//! from `/graphiql/assets/…`, embedded at compile time from
//! `assets/graphiql/` (see its README for the versions and how to update
//! them), so it works without internet access. It has no inline script: the
//! settings (endpoint, default headers) are a JSON document in the page that
//! `page.js` reads, which lets the Content-Security-Policy allow scripts from
//! this origin only.

use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Where the assets are served.
const PREFIX: &str = "/graphiql/assets/";

/// One embedded file.
struct Asset {
    /// Its path under [`PREFIX`] (the vendored ones carry their version).
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

const ASSETS: &[Asset] = &[
    Asset {
        path: "react-18.3.1/react.production.min.js",
        content_type: JS,
        bytes: include_bytes!("../../assets/graphiql/react-18.3.1/react.production.min.js"),
    },
    Asset {
        path: "react-dom-18.3.1/react-dom.production.min.js",
        content_type: JS,
        bytes: include_bytes!("../../assets/graphiql/react-dom-18.3.1/react-dom.production.min.js"),
    },
    Asset {
        path: "graphiql-3.8.3/graphiql.min.js",
        content_type: JS,
        bytes: include_bytes!("../../assets/graphiql/graphiql-3.8.3/graphiql.min.js"),
    },
    Asset {
        path: "graphiql-3.8.3/graphiql.min.css",
        content_type: CSS,
        bytes: include_bytes!("../../assets/graphiql/graphiql-3.8.3/graphiql.min.css"),
    },
    Asset {
        path: "page.js",
        content_type: JS,
        bytes: include_bytes!("../../assets/graphiql/page.js"),
    },
    Asset {
        path: "page.css",
        content_type: CSS,
        bytes: include_bytes!("../../assets/graphiql/page.css"),
    },
];

/// Each asset's content hash (hex FNV-1a, 64 bits), in the order of
/// [`ASSETS`]: its ETag and the `?v=` of its URL.
static HASHES: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| format!("{:016x}", fnv1a(asset.bytes)))
        .collect()
});

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The URL of the asset at `path`, with its content hash.
fn url(path: &str) -> String {
    let index = ASSETS
        .iter()
        .position(|asset| asset.path == path)
        .expect("a known asset");
    format!("{PREFIX}{path}?v={}", HASHES[index])
}

/// The page, with `Authorization: Bearer <token>` as GraphiQL's default
/// header when a token is given (`--demo`).
pub fn page(endpoint: &str, token: Option<&str>) -> String {
    let headers = match token {
        Some(token) => json!({ "Authorization": format!("Bearer {token}") }),
        None => json!({}),
    };
    let config = script_json(&json!({ "endpoint": endpoint, "headers": headers }));
    let css = url("graphiql-3.8.3/graphiql.min.css");
    let page_css = url("page.css");
    let react = url("react-18.3.1/react.production.min.js");
    let react_dom = url("react-dom-18.3.1/react-dom.production.min.js");
    let graphiql = url("graphiql-3.8.3/graphiql.min.js");
    let page_js = url("page.js");
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="robots" content="noindex">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Switchboard · GraphiQL</title>
    <link rel="stylesheet" href="{css}">
    <link rel="stylesheet" href="{page_css}">
    <script id="graphiql-config" type="application/json">{config}</script>
  </head>
  <body>
    <div id="graphiql">Loading…</div>
    <script src="{react}"></script>
    <script src="{react_dom}"></script>
    <script src="{graphiql}"></script>
    <script src="{page_js}"></script>
  </body>
</html>
"#
    )
}

/// JSON that is safe inside a `<script>` element: `<`, `>` and `&` (which
/// only occur in strings) become `\u` escapes, so no value can close the
/// element or open a comment.
fn script_json(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// The page's Content-Security-Policy: everything from this origin only.
/// Styles may be inline: GraphiQL's dialogs add a `<style>` element
/// (react-remove-scroll), and its CSS embeds fonts and icons as `data:` URLs. Sockets to the same host are named explicitly
/// for browsers whose `'self'` does not cover `ws:`/`wss:`.
fn content_security_policy(host: Option<&str>) -> String {
    let sockets = host
        .filter(|host| is_authority(host))
        .map(|host| format!(" ws://{host} wss://{host}"))
        .unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'{sockets}; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// A `Host` header that can go into the policy as it is.
fn is_authority(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// The response for `/`: the page with its security headers.
pub fn page_response(page: &str, request: &HeaderMap) -> Response {
    let host = request
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    let csp = HeaderValue::from_str(&content_security_policy(host))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        page.to_owned(),
    )
        .into_response()
}

/// `GET /graphiql/assets/{*path}`: an embedded file, cached for a year (its
/// URL changes with its content) and revalidated by ETag.
pub async fn asset(Path(path): Path<String>, request: HeaderMap) -> Response {
    let Some(index) = ASSETS.iter().position(|asset| asset.path == path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let asset = &ASSETS[index];
    let etag = format!("\"{}\"", HASHES[index]);
    let cached = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*");
    let headers = [
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ),
        (
            header::ETAG,
            HeaderValue::from_str(&etag).expect("a hex ETag"),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    if cached {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (
        headers,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        )],
        Body::from(asset.bytes),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_refers_to_this_server_only() {
        let page = page("/graphql", Some("t"));
        assert!(
            !page.contains("http://") && !page.contains("https://") && !page.contains("//unpkg")
        );
        for asset in ASSETS {
            assert!(
                page.contains(&url(asset.path)),
                "{} is on the page",
                asset.path
            );
        }
    }

    #[test]
    fn the_token_is_json_in_the_page_and_cannot_close_its_element() {
        let page = page("/graphql", Some("</script><script>alert(1)</script>&"));
        assert!(!page.contains("</script><script>alert"));
        assert!(page.contains(
            r#""Authorization":"Bearer \u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e\u0026""#
        ));
        let start = page.find(r#"type="application/json">"#).expect("config") + 24;
        let end = start + page[start..].find("</script>").expect("end");
        let config: serde_json::Value = serde_json::from_str(&page[start..end]).expect("JSON");
        assert_eq!(
            config["headers"]["Authorization"],
            "Bearer </script><script>alert(1)</script>&"
        );
        assert_eq!(config["endpoint"], "/graphql");
    }

    #[test]
    fn without_a_token_there_is_no_default_header() {
        assert!(page("/graphql", None).contains(r#""headers":{}"#));
    }

    #[test]
    fn sockets_to_the_host_are_allowed_unless_the_host_is_odd() {
        assert!(
            content_security_policy(Some("127.0.0.1:8080"))
                .contains("connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080;")
        );
        assert!(content_security_policy(Some("a; script-src *")).contains("connect-src 'self';"));
        assert!(content_security_policy(None).contains("script-src 'self';"));
    }
}
