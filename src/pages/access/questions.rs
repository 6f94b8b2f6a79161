//! The two questions the access page answers: what may this user do with a key or under a
//! prefix, and through which role (`?check=alice&kind=prefix&key=/app/`); and who may write (or
//! read) here (`?who=write&kind=prefix&key=/app/`, which the key list links to).

use crate::components::{page_data, Loaded};
use crate::domain::grants::{Action, Coverage, Effective, Verdict, WhoMay};
use crate::server_fns::{check_access, who_may_access};
use crate::urls::routes::{access_subject_url, access_url};
use leptos::prelude::*;

/// What user and which key or prefix to check.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Check {
    user: String,
    kind: String,
    key: String,
}

impl Check {
    pub fn from_query(text: &impl Fn(&str) -> Option<String>) -> Option<Check> {
        Some(Check {
            user: text("check")?,
            kind: text("kind").unwrap_or_else(|| "prefix".into()),
            key: text("key").unwrap_or_default(),
        })
    }
}

/// Who may do what with which key or prefix.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Who {
    action: String,
    kind: String,
    key: String,
}

impl Who {
    pub fn from_query(text: &impl Fn(&str) -> Option<String>) -> Option<Who> {
        Some(Who {
            action: text("who")?,
            kind: text("kind").unwrap_or_else(|| "prefix".into()),
            key: text("key").unwrap_or_default(),
        })
    }
}

#[component]
pub(super) fn Questions(asked: Signal<(Option<Check>, Option<Who>)>) -> impl IntoView {
    let check = page_data(
        move || asked.with(|asked| asked.0.clone()),
        |check| async move {
            match check {
                Some(Check { user, kind, key }) => check_access(user, kind, key).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let who = page_data(
        move || asked.with(|asked| asked.1.clone()),
        |who| async move {
            match who {
                Some(Who { action, kind, key }) => {
                    who_may_access(action, kind, key).await.map(Some)
                }
                None => Ok(None),
            }
        },
    );
    let asked_check = move || asked.with(|asked| asked.0.clone());
    let asked_who = move || asked.with(|asked| asked.1.clone());
    view! {
        <section class="panel" id="check" data-testid="check">
            <h2>"What may a user do?"</h2>
            {move || {
                let check = asked_check();
                let field = |f: fn(&Check) -> String| check.as_ref().map(f).unwrap_or_default();
                let kind = field(|c| c.kind.clone());
                view! {
                    <form method="GET" action=access_url()>
                        <label>"User " <input name="check" required value=field(|c| c.user.clone()) data-testid="check-user" /></label>
                        " "
                        {target_fields(&kind, field(|c| c.key.clone()))}
                        " "
                        <button type="submit" data-testid="check-access">"Check"</button>
                    </form>
                }
            }}
            <Loaded
                resource=check
                loading="Asking etcd…"
                show=|effective| effective.map(|effective| view! { <EffectiveView effective /> })
            />
        </section>
        <section class="panel" id="who" data-testid="who">
            <h2>"Who may read or write here?"</h2>
            {move || {
                let who = asked_who();
                let field = |f: fn(&Who) -> String| who.as_ref().map(f).unwrap_or_default();
                let action = field(|w| w.action.clone());
                view! {
                    <form method="GET" action=access_url()>
                        <label>"Who may " <select name="who" data-testid="who-action">
                            <option value="write" selected=action != "read">"write"</option>
                            <option value="read" selected=action == "read">"read"</option>
                        </select></label>
                        " "
                        {target_fields(&field(|w| w.kind.clone()), field(|w| w.key.clone()))}
                        " "
                        <button type="submit" data-testid="who-may">"Ask"</button>
                    </form>
                }
            }}
            <Loaded
                resource=who
                loading="Asking etcd…"
                show=|who| who.map(|who| view! { <WhoView who /> })
            />
        </section>
    }
    .into_any()
}

/// The key or prefix asked about.
fn target_fields(kind: &str, key: String) -> impl IntoView {
    let key_kind = kind == "key";
    view! {
        <label>"the " <select name="kind">
            <option value="prefix" selected=!key_kind>"keys under the prefix"</option>
            <option value="key" selected=key_kind>"one key"</option>
        </select></label>
        " "
        <label>"Key " <input name="key" value=key placeholder="every key" data-testid="question-key" /></label>
    }
}

#[component]
fn EffectiveView(effective: Effective) -> impl IntoView {
    view! {
        <div data-testid="effective">
            <VerdictView verdict=effective.read />
            <VerdictView verdict=effective.write />
        </div>
    }
}

#[component]
fn VerdictView(verdict: Verdict) -> impl IntoView {
    let (class, word) = match verdict.coverage {
        Coverage::All => ("healthy", "yes"),
        Coverage::Part => ("degraded", "in part"),
        Coverage::None => ("down", "no"),
    };
    let action = match verdict.action {
        Action::Read => "Read",
        Action::Write => "Write",
    };
    let granted = verdict
        .granted_by
        .iter()
        .map(|grant| {
            view! {
                <li>
                    <a href=access_subject_url("role", &grant.role)>{grant.role.clone()}</a>
                    {format!(": {} {}", grant.permission.permits.word(), grant.permission.range.describe())}
                </li>
            }
        })
        .collect_view();
    let gaps = (!verdict.not_covered.is_empty()).then(|| {
        let gaps = verdict
            .not_covered
            .iter()
            .map(|range| view! { <li>{range.describe()}</li> })
            .collect_view();
        view! { <p>"No role grants:"</p> <ul data-testid="not-covered">{gaps}</ul> }
    });
    view! {
        <div class="verdict" data-testid=format!("verdict-{}", verdict.action.word())>
            <p>
                <strong>{action} ": "</strong>
                <span class=class data-testid="verdict-answer">{word}</span>
                " — " {verdict.reason.clone()}
            </p>
            {(!verdict.granted_by.is_empty()).then(|| view! { <ul data-testid="granted-by">{granted}</ul> })}
            {gaps}
        </div>
    }
}

#[component]
fn WhoView(who: WhoMay) -> impl IntoView {
    let verb = who.action.word();
    let what = who.target.describe();
    if !who.auth_enabled {
        return view! {
            <p data-testid="who-answer">
                {format!("Authentication is off: anyone who reaches etcd may {verb} {what}.")}
            </p>
        }
        .into_any();
    }
    let users = who
        .users
        .iter()
        .map(|may| {
            let how = match may.coverage {
                Coverage::All => "",
                _ => " (only part of it)",
            };
            let href = access_subject_url("user", &may.user);
            view! { <li data-testid="who-user"><a href=href>{may.user.clone()}</a>{how}</li> }
        })
        .collect_view();
    let roles = who.roles.join(", ");
    let roles = if roles.is_empty() {
        "none".to_string()
    } else {
        roles
    };
    view! {
        <p data-testid="who-answer">
            {format!("{} may {verb} {what}. Roles that reach into it: {roles}.",
                match who.users.len() { 0 => "No user".to_string(), 1 => "One user".to_string(), n => format!("{n} users") })}
        </p>
        <ul>{users}</ul>
    }
    .into_any()
}
