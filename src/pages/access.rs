//! The access page at `/access`: etcd's users and roles, whether authentication is on, what a
//! user may do with a key or prefix and who may, and each change of them, confirmed first.
//!
//! Everything is in the URL, so a reload (or no JavaScript) shows the same: `?user=alice` and
//! `?role=app` show one user or role ([`subject`]); `?do=grant_role&user=alice&role=app` asks
//! to confirm a change ([`ChangeFields`]), and `?done=…` says it was made; `?check=alice&kind=
//! prefix&key=/app/` and `?who=write&kind=prefix&key=/app/` answer the two questions
//! ([`questions`]). Changing anything is for etcd's root role or etcd-deck's admin. Where people
//! sign in from etcd-deck's users file, its admins manage it here too ([`local`]).

mod local;
mod questions;
mod subject;

use crate::components::{
    page_data, ActionError, ConfirmPanel, Loaded, PageView, ServerForm, TypedName,
};
use crate::domain::grants::{AccessView, ChangeFields, ROOT};
use crate::server_fns::{get_access, AddAccessUser, ChangeAccess, SetAccessPassword};
use crate::urls::{
    query_param,
    routes::{access_asking_url, access_subject_url, access_url},
};
use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// What the page was asked, from its query.
#[derive(Debug, Clone, Default, PartialEq)]
struct Asked {
    /// A change to confirm (`do=`).
    confirm: Option<ChangeFields>,
    /// A change just made (`done=`).
    done: Option<ChangeFields>,
    /// The user (`user=`) or else the role (`role=`) to show.
    subject: Option<(&'static str, String)>,
    check: Option<questions::Check>,
    who: Option<questions::Who>,
    /// A user of etcd-deck's users file to remove (`remove_local=`).
    remove_local: Option<String>,
}

impl Asked {
    fn from_query(search: &str) -> Asked {
        let text = |name: &str| {
            query_param(search, name).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        };
        let change = |field: &str| {
            text(field).map(|change| ChangeFields {
                change,
                ..ChangeFields::read(|name| text(name))
            })
        };
        let done = change("done");
        let deleted = done
            .as_ref()
            .is_some_and(|done| done.change.starts_with("delete_"));
        let subject = match (text("user"), text("role")) {
            _ if deleted => None,
            (Some(user), _) if !user.is_empty() => Some(("user", user)),
            (_, Some(role)) if !role.is_empty() => Some(("role", role)),
            _ => None,
        };
        Asked {
            confirm: change("do"),
            done,
            subject: subject.filter(|_| text("check").is_none() && text("who").is_none()),
            check: questions::Check::from_query(&text),
            who: questions::Who::from_query(&text),
            remove_local: text("remove_local"),
        }
    }
}

/// The page's forms' actions.
#[derive(Clone, Copy)]
struct Actions {
    change: ServerAction<ChangeAccess>,
    add_user: ServerAction<AddAccessUser>,
    password: ServerAction<SetAccessPassword>,
}

#[component]
fn AccessPage() -> impl IntoView {
    let location = use_location();
    let asked = Memo::new(move |_| location.search.with(|search| Asked::from_query(search)));
    let actions = Actions {
        change: ServerAction::new(),
        add_user: ServerAction::new(),
        password: ServerAction::new(),
    };
    let data = page_data(
        move || {
            (
                actions.change.version().get(),
                actions.add_user.version().get(),
                actions.password.version().get(),
            )
        },
        |_| get_access(),
    );
    let error = Signal::derive(move || {
        let failed = |value: Option<Result<(), crate::domain::AppError>>| value?.err();
        failed(actions.change.value().get())
            .or_else(|| failed(actions.add_user.value().get()))
            .or_else(|| failed(actions.password.value().get()))
    });
    let done = move || {
        let said = asked.with(|asked| asked.done.as_ref().and_then(ChangeFields::done));
        said.filter(|_| error.with(Option::is_none)).map(|said| {
            view! { <p class="banner banner-ok" role="status" data-testid="notice">{said}</p> }
        })
    };

    PageView(view! {
        <Title text="Access" />
        <h1>"Access"</h1>
        <p class="hint">
            "etcd's own users and roles: a role grants reading, writing or both over ranges of \
             keys, and a user may do what their roles together grant. The root role may do \
             everything."
        </p>
        {done}
        <ActionError error />
        <Loaded
            resource=data
            loading="Asking etcd…"
            show=move |view| view! { <AccessView view asked=asked.get() actions /> }
        />
        <local::LocalUsersPanel removing=Signal::derive(move || asked.with(|a| a.remove_local.clone())) />
        <questions::Questions asked=Signal::derive(move || asked.with(|a| (a.check.clone(), a.who.clone()))) />
    })
}

lazy_page!(
    /// The access page.
    AccessRoute => view! { <AccessPage /> }.into_any()
);

#[component]
fn AccessView(view: AccessView, asked: Asked, actions: Actions) -> impl IntoView {
    let may = view.refused.is_none();
    let confirm = asked
        .confirm
        .clone()
        .map(|fields| confirmation(&view, fields, actions.change));
    let subject = asked
        .subject
        .clone()
        .map(|(what, name)| subject::subject_view(&view, what, name, actions));
    let refused = view.refused.clone().map(|why| {
        view! {
            <p class="hint" data-testid="access-refused">
                "Changing users, roles and authentication is for etcd's root role or \
                 etcd-deck's admin: " {why}
            </p>
        }
    });
    view! {
        {confirm}
        {refused}
        <Authentication view=view.clone() may />
        {subject}
        <Users view=view.clone() may add=actions.add_user />
        <Roles view may />
    }
    .into_any()
}

/// Whether authentication is on, and the switch, which says what it will do first.
#[component]
fn Authentication(view: AccessView, may: bool) -> impl IntoView {
    let (state, change) = if view.auth_enabled {
        (
            "Authentication is on: etcd asks everyone who they are, and their roles decide.",
            "auth_off",
        )
    } else {
        (
            "Authentication is off: anyone who reaches etcd may read and change everything.",
            "auth_on",
        )
    };
    let asking = access_asking_url(&ChangeFields {
        change: change.into(),
        ..ChangeFields::default()
    });
    let label = if view.auth_enabled {
        "Turn authentication off…"
    } else {
        "Turn authentication on…"
    };
    let refusal = view
        .enable_refusal
        .filter(|_| !view.auth_enabled)
        .map(|why| view! { <p class="hint" data-testid="enable-refusal">{why}</p> });
    view! {
        <section class="panel" data-testid="authentication">
            <h2>"Authentication"</h2>
            <p data-testid="auth-state">{state}</p>
            {refusal}
            {may.then(|| view! { <a class="button-link" href=asking data-testid="auth-switch">{label}</a> })}
        </section>
    }
}

#[component]
fn Users(view: AccessView, may: bool, add: ServerAction<AddAccessUser>) -> impl IntoView {
    let rows = view
        .users
        .iter()
        .map(|user| {
            let roles = if user.roles.is_empty() {
                "none".to_string()
            } else {
                user.roles.join(", ")
            };
            view! {
                <tr data-testid="user-row" data-user=user.name.clone()>
                    <td><a href=access_subject_url("user", &user.name)>{user.name.clone()}</a></td>
                    <td>{roles}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = view
        .users
        .is_empty()
        .then(|| view! { <p class="hint">"etcd has no users yet."</p> });
    view! {
        <section class="panel" id="users" data-testid="users">
            <h2>"Users"</h2>
            {empty}
            <div class="table-scroll" tabindex="0" role="region" aria-label="Users">
                <table class="keys">
                    <thead><tr><th>"User"</th><th>"Roles"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {may.then(|| view! { <AddUserForm add /> })}
        </section>
    }
}

/// Adds a user: the password asked twice, or none for a client certificate only.
#[component]
fn AddUserForm(add: ServerAction<AddAccessUser>) -> impl IntoView {
    view! {
        <h3>"Add a user"</h3>
        <ServerForm action=add read=crate::read_form!(AddAccessUser { name, password, again, no_password })>
            <label>"Name " <input name="name" required maxlength="128" autocomplete="off" data-testid="new-user-name" /></label>
            " "
            <label>"Password " <input name="password" type="password" maxlength="72" autocomplete="new-password" data-testid="new-user-password" /></label>
            " "
            <label>"Again " <input name="again" type="password" maxlength="72" autocomplete="new-password" data-testid="new-user-again" /></label>
            " "
            <label>
                <input type="checkbox" name="no_password" value="true" />
                " no password: they sign in with a client certificate naming them"
            </label>
            " "
            <button type="submit" data-testid="add-user">"Add user"</button>
        </ServerForm>
    }
}

#[component]
fn Roles(view: AccessView, may: bool) -> impl IntoView {
    let rows = view
        .roles
        .iter()
        .map(|role| {
            let grants = subject::grants_of(Some(role));
            let held = view
                .users
                .iter()
                .filter(|user| user.roles.contains(&role.name))
                .count();
            view! {
                <tr data-testid="role-row" data-role=role.name.clone()>
                    <td><a href=access_subject_url("role", &role.name)>{role.name.clone()}</a></td>
                    <td>{grants}</td>
                    <td class="num">{held}</td>
                </tr>
            }
        })
        .collect_view();
    let add = may.then(|| {
        view! {
            <h3>"Add a role"</h3>
            <form method="GET" action=access_url()>
                <input type="hidden" name="do" value="add_role" />
                <label>"Name " <input name="role" required maxlength="128" autocomplete="off" data-testid="new-role-name" /></label>
                " "
                <button type="submit" data-testid="add-role">"Add role…"</button>
            </form>
        }
    });
    let no_root = (!view.roles.iter().any(|role| role.name == ROOT)).then(|| {
        view! { <p class="hint">"etcd makes the root role once a user is granted it."</p> }
    });
    view! {
        <section class="panel" id="roles" data-testid="roles">
            <h2>"Roles"</h2>
            {no_root}
            <div class="table-scroll" tabindex="0" role="region" aria-label="Roles">
                <table class="keys">
                    <thead><tr><th>"Role"</th><th>"Grants"</th><th class="num">"Users"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {add}
        </section>
    }
}

/// The confirmation of a change: what it will do, or why it cannot be asked, and its form.
fn confirmation(
    view: &AccessView,
    fields: ChangeFields,
    change: ServerAction<ChangeAccess>,
) -> impl IntoView {
    let back = match (fields.user.is_empty(), fields.role.is_empty()) {
        (false, _) => access_subject_url("user", &fields.user),
        (_, false) => access_subject_url("role", &fields.role),
        _ => access_url(),
    };
    let parsed = fields.parse();
    let refused = match &parsed {
        Err(why) => Some(why.clone()),
        Ok(_) if view.refused.is_some() => view.refused.clone(),
        Ok(_) if fields.change == "auth_on" => view.enable_refusal.clone(),
        Ok(_) => None,
    };
    let Ok(parsed) = parsed else {
        let why = refused.unwrap_or_default();
        return Either::Left(view! {
            <ConfirmPanel what=format!("Nothing to confirm: {why}") cancel=back testid="access-confirm">
                ""
            </ConfirmPanel>
        });
    };
    let what = match &refused {
        Some(why) => format!("{} Refused: {why}", parsed.describe()),
        None => parsed.describe(),
    };
    let typed = match parsed.typed_confirmation() {
        Some(name) => Either::Left(view! { <TypedName name=name.to_string() /> }),
        None => Either::Right(view! { <input type="hidden" name="confirm" value="" /> }),
    };
    let hidden = ChangeFields::NAMES
        .iter()
        .zip(fields.values())
        .map(|(name, value)| view! { <input type="hidden" name=*name value=value.to_string() /> })
        .collect_view();
    let form = refused.is_none().then(|| {
        view! {
            <ServerForm action=change read=crate::read_form!(ChangeAccess { change, user, role, permits, kind, key, to, confirm })>
                {hidden}
                {typed}
                " "
                <button type="submit" class="danger" data-testid="confirm-change">"Confirm"</button>
            </ServerForm>
        }
    });
    Either::Right(view! {
        <ConfirmPanel what cancel=back testid="access-confirm">
            {form}
        </ConfirmPanel>
    })
}
