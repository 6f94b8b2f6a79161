//! One user (their roles, and what each grants) or one role (its permissions as ranges, and who
//! holds it), with the changes of each, every one asked to be confirmed first.

use super::Actions;
use crate::components::ServerForm;
use crate::domain::grants::{form_fields, AccessView, ChangeFields, RoleGrants};
use crate::server_fns::SetAccessPassword;
use crate::urls::routes::{access_asking_url, access_check_url, access_subject_url, access_url};
use leptos::{either::Either, prelude::*};

/// The panel of the user or role `name` (`what` is `user` or `role`).
pub(super) fn subject_view(
    view: &AccessView,
    what: &'static str,
    name: String,
    actions: Actions,
) -> AnyView {
    let may = view.refused.is_none();
    match what {
        "user" => user_view(view, name, may, actions.password).into_any(),
        _ => role_view(view, name, may).into_any(),
    }
}

/// A link to the confirmation of a change.
fn asking(fields: ChangeFields, label: &'static str, testid: &'static str) -> impl IntoView {
    view! { <a class="button-link" href=access_asking_url(&fields) data-testid=testid>{label}</a> }
}

/// What a role grants, in a line.
pub(super) fn grants_of(role: Option<&RoleGrants>) -> String {
    match role {
        None => "unknown: etcd has no such role".into(),
        Some(role) if role.is_root() => "everything, users and roles included".into(),
        Some(role) if role.permissions.is_empty() => "nothing yet".into(),
        Some(role) => role
            .permissions
            .iter()
            .map(|p| format!("{} {}", p.permits.word(), p.range.describe()))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn user_view(
    view: &AccessView,
    name: String,
    may: bool,
    password: ServerAction<SetAccessPassword>,
) -> impl IntoView {
    let Some(user) = view.users.iter().find(|user| user.name == name).cloned() else {
        return Either::Left(view! {
            <section class="panel" id="user" data-testid="subject">
                <p>{format!("etcd has no user named {name}.")}</p>
                <a href=access_url()>"Back"</a>
            </section>
        });
    };
    let change = |change: &str, role: &str| ChangeFields {
        change: change.into(),
        user: user.name.clone(),
        role: role.into(),
        ..ChangeFields::default()
    };
    let rows = user
        .roles
        .iter()
        .map(|role| {
            let grants = grants_of(view.roles.iter().find(|r| r.name == *role));
            let revoke = may.then(|| asking(change("revoke_role", role), "Revoke…", "revoke-role"));
            view! {
                <tr data-testid="user-role" data-role=role.clone()>
                    <td><a href=access_subject_url("role", role)>{role.clone()}</a></td>
                    <td>{grants}</td>
                    <td>{revoke}</td>
                </tr>
            }
        })
        .collect_view();
    let grantable: Vec<String> = view
        .roles
        .iter()
        .map(|role| role.name.clone())
        .filter(|role| !user.roles.contains(role))
        .collect();
    let grant = (may && !grantable.is_empty()).then(|| {
        let options = grantable
            .into_iter()
            .map(|role| view! { <option value=role.clone()>{role.clone()}</option> })
            .collect_view();
        view! {
            <form method="GET" action=access_url()>
                <input type="hidden" name="do" value="grant_role" />
                <input type="hidden" name="user" value=user.name.clone() />
                <label>"Grant the role " <select name="role" data-testid="grant-role-name">{options}</select></label>
                " "
                <button type="submit" data-testid="grant-role">"Grant…"</button>
            </form>
        }
    });
    let check = access_check_url(&user.name);
    let changes = may.then(|| {
        let name = user.name.clone();
        view! {
            <h3>"Change the password"</h3>
            <ServerForm action=password read=crate::read_form!(SetAccessPassword { name, password, again })>
                <input type="hidden" name="name" value=name.clone() />
                <label>"New password " <input name="password" type="password" required maxlength="72" autocomplete="new-password" /></label>
                " "
                <label>"Again " <input name="again" type="password" required maxlength="72" autocomplete="new-password" /></label>
                " "
                <button type="submit" data-testid="set-password">"Change password"</button>
            </ServerForm>
            <p>{asking(change("delete_user", ""), "Delete the user…", "delete-user")}</p>
        }
    });
    Either::Right(view! {
        <section class="panel" id="user" data-testid="subject">
            <h2>"User " {user.name.clone()}</h2>
            <p><a href=check>{format!("What may {} read and write?", user.name)}</a></p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Roles of the user">
                <table class="keys">
                    <thead><tr><th>"Role"</th><th>"Grants"</th><th>"Change"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {user.roles.is_empty().then(|| view! { <p class="hint">"They hold no role: they may read and write nothing."</p> })}
            {grant}
            {changes}
            <a href=access_url()>"Back"</a>
        </section>
    })
}

fn role_view(view: &AccessView, name: String, may: bool) -> impl IntoView {
    let Some(role) = view.roles.iter().find(|role| role.name == name).cloned() else {
        return Either::Left(view! {
            <section class="panel" id="role" data-testid="subject">
                <p>{format!("etcd has no role named {name}.")}</p>
                <a href=access_url()>"Back"</a>
            </section>
        });
    };
    let rows = role
        .permissions
        .iter()
        .map(|permission| {
            let revoke = form_fields(&permission.range)
                .filter(|_| may)
                .map(|(kind, key, to)| {
                    let fields = ChangeFields {
                        change: "revoke_permission".into(),
                        role: role.name.clone(),
                        kind: kind.into(),
                        key,
                        to,
                        ..ChangeFields::default()
                    };
                    asking(fields, "Revoke…", "revoke-permission")
                });
            view! {
                <tr data-testid="permission-row">
                    <td>{permission.permits.word()}</td>
                    <td>{permission.range.describe()}</td>
                    <td>{revoke}</td>
                </tr>
            }
        })
        .collect_view();
    let holders = view
        .users
        .iter()
        .filter(|user| user.roles.contains(&role.name))
        .map(|user| view! { <li><a href=access_subject_url("user", &user.name)>{user.name.clone()}</a></li> })
        .collect_view();
    let grant = (may && !role.is_root()).then(|| {
        view! {
            <h3>"Grant a permission"</h3>
            <form method="GET" action=access_url() data-testid="grant-permission-form">
                <input type="hidden" name="do" value="grant_permission" />
                <input type="hidden" name="role" value=role.name.clone() />
                <label>"May " <select name="permits" data-testid="permission-permits">
                    <option value="read">"read"</option>
                    <option value="write">"write"</option>
                    <option value="readwrite" selected>"read and write"</option>
                </select></label>
                " "
                <label>"the " <select name="kind" data-testid="permission-kind">
                    <option value="prefix" selected>"keys under the prefix"</option>
                    <option value="key">"one key"</option>
                    <option value="from_key">"keys from this key on"</option>
                    <option value="range">"keys from this key up to (without) the next"</option>
                    <option value="everything">"every key"</option>
                </select></label>
                " "
                <label>"Key " <input name="key" data-testid="permission-key" /></label>
                " "
                <label>"Up to " <input name="to" placeholder="only for a range" /></label>
                " "
                <button type="submit" data-testid="grant-permission">"Grant…"</button>
            </form>
        }
    });
    let delete = may.then(|| {
        let fields = ChangeFields {
            change: "delete_role".into(),
            role: role.name.clone(),
            ..ChangeFields::default()
        };
        view! { <p>{asking(fields, "Delete the role…", "delete-role")}</p> }
    });
    let granted = if role.is_root() {
        Some("It may do everything, users and roles included; no permission is needed.")
    } else if role.permissions.is_empty() {
        Some("It grants nothing yet.")
    } else {
        None
    };
    Either::Right(view! {
        <section class="panel" id="role" data-testid="subject">
            <h2>"Role " {role.name.clone()}</h2>
            {granted.map(|text| view! { <p class="hint">{text}</p> })}
            <div class="table-scroll" tabindex="0" role="region" aria-label="Permissions">
                <table class="keys">
                    <thead><tr><th>"May"</th><th>"Keys"</th><th>"Change"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {grant}
            <h3>"Held by"</h3>
            <ul data-testid="role-holders">{holders}</ul>
            {delete}
            <a href=access_url()>"Back"</a>
        </section>
    })
}
