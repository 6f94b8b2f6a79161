//! etcd-deck's own users, where people sign in from its users file: listed for its admins, each
//! added, given a role or a new password, or removed (the name typed again). The file is
//! rewritten whole under a lock, and the last admin stays.

use crate::components::{page_data, ActionError, ConfirmPanel, Loaded, ServerForm, TypedName};
use crate::domain::access::{LocalUsers, Role};
use crate::server_fns::{get_local_users, RemoveLocalUser, SetLocalUser};
use crate::urls::routes::access_local_url;
use leptos::prelude::*;

#[component]
pub(super) fn LocalUsersPanel(removing: Signal<Option<String>>) -> impl IntoView {
    let set = ServerAction::<SetLocalUser>::new();
    let remove = ServerAction::<RemoveLocalUser>::new();
    let data = page_data(
        move || (set.version().get(), remove.version().get()),
        |_| get_local_users(),
    );
    let error = Signal::derive(move || {
        let failed = |value: Option<Result<(), crate::domain::AppError>>| value?.err();
        failed(set.value().get()).or_else(|| failed(remove.value().get()))
    });
    view! {
        <ActionError error />
        <Loaded
            resource=data
            loading="Reading the users file…"
            show=move |local| local.map(|local| view! { <LocalView local removing=removing.get() set remove /> })
        />
    }
    .into_any()
}

#[component]
fn LocalView(
    local: LocalUsers,
    removing: Option<String>,
    set: ServerAction<SetLocalUser>,
    remove: ServerAction<RemoveLocalUser>,
) -> impl IntoView {
    let confirm = removing.filter(|_| local.refused.is_none()).map(|name| {
        let what = format!(
            "Remove {name} from etcd-deck's users file? Their sessions end with their next \
             request. The last admin is refused."
        );
        view! {
            <ConfirmPanel what cancel=access_local_url(None) testid="local-confirm">
                <ServerForm action=remove read=crate::read_form!(RemoveLocalUser { name, confirm })>
                    <input type="hidden" name="name" value=name.clone() />
                    <TypedName name=name.clone() />
                    " "
                    <button type="submit" class="danger" data-testid="confirm-remove-local">"Remove"</button>
                </ServerForm>
            </ConfirmPanel>
        }
    });
    let rows = local
        .users
        .iter()
        .map(|user| {
            let remove = access_local_url(Some(&user.name));
            view! {
                <tr data-testid="local-user" data-user=user.name.clone()>
                    <td>{user.name.clone()}</td>
                    <td>{user.role.as_str()}</td>
                    <td><a class="button-link" href=remove>"Remove…"</a></td>
                </tr>
            }
        })
        .collect_view();
    let body = match local.refused {
        Some(why) => view! { <p class="hint" data-testid="local-refused">{why}</p> }.into_any(),
        None => view! {
            <div class="table-scroll" tabindex="0" role="region" aria-label="etcd-deck's users">
                <table class="keys">
                    <thead><tr><th>"User"</th><th>"Role"</th><th>"Change"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <SetForm set />
        }
        .into_any(),
    };
    view! {
        {confirm}
        <section class="panel" id="local-users" data-testid="local-users">
            <h2>"etcd-deck's users"</h2>
            <p class="hint">
                "People sign in to etcd-deck from its users file: a viewer reads, an editor also \
                 changes keys, an admin also deletes prefixes and maintains the cluster."
            </p>
            {body}
        </section>
    }
}

/// Adds a user, or gives one a role and, if typed, a new password.
#[component]
fn SetForm(set: ServerAction<SetLocalUser>) -> impl IntoView {
    let roles = Role::ALL
        .into_iter()
        .map(|role| view! { <option value=role.as_str()>{role.as_str()}</option> })
        .collect_view();
    view! {
        <h3>"Add a user, or change one"</h3>
        <ServerForm action=set read=crate::read_form!(SetLocalUser { name, role, password, again })>
            <label>"Name " <input name="name" required maxlength="128" autocomplete="off" data-testid="local-name" /></label>
            " "
            <label>"Role " <select name="role" data-testid="local-role">{roles}</select></label>
            " "
            <label>"Password " <input name="password" type="password" autocomplete="new-password" data-testid="local-password" /></label>
            " "
            <label>"Again " <input name="again" type="password" autocomplete="new-password" data-testid="local-again" /></label>
            " "
            <button type="submit" data-testid="set-local">"Save"</button>
            <p class="hint">"For a user already there, leave the password empty to keep theirs."</p>
        </ServerForm>
    }
}
