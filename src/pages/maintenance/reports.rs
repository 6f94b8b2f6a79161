//! The maintenance page's reports: the run under way (or the last one), step by step, and the
//! consistency check.

use crate::components::ServerForm;
use crate::domain::maintenance::{Consistency, RunRecord, StepState};
use crate::server_fns::StopMaintenance;
use crate::urls::routes::maintenance_url;
use leptos::{either::Either, prelude::*};

/// The run under way, or the last one: each step as it stands.
pub(super) fn run_view(run: RunRecord, stop: ServerAction<StopMaintenance>) -> impl IntoView {
    let steps = run
        .steps()
        .into_iter()
        .map(|step| {
            let state = match step.state {
                StepState::Started => "started",
                StepState::Done => "done",
                StepState::Skipped => "skipped",
                StepState::Failed => "failed",
            };
            let took = step.millis.map(|ms| match ms {
                0..1000 => format!(" ({ms} ms)"),
                _ => format!(
                    " ({} s)",
                    crate::domain::limits::tenths(u128::from(ms), 100)
                ),
            });
            view! {
                <li class=format!("step {state}") data-state=state data-step=step.step.as_str()>
                    <strong>{step.step.as_str()}</strong>
                    {step.member.clone().map(|m| format!(" {m}"))}
                    ": " {step.message.clone()} {took}
                </li>
            }
        })
        .collect_view();
    let report = run.report().cloned();
    let running = run.running();
    let heading = match (&report, run.stopping) {
        (Some(report), _) if report.ok => "done".to_string(),
        (Some(_), _) => "stopped".to_string(),
        (None, true) => "stopping before the next step…".to_string(),
        (None, false) => "running…".to_string(),
    };
    view! {
        <section class="panel run" data-testid="maintenance-run" data-running=running.to_string()>
            <h2>{format!("{}: {heading}", run_title(&run.operation))}</h2>
            <p class="hint">
                "Started " {run.started.clone()}
                {run.started_by.clone().map(|by| format!(" by {by}"))}
                "."
            </p>
            <ol class="steps">{steps}</ol>
            {report.map(|report| view! {
                <p data-testid="run-report" data-ok=report.ok.to_string()>
                    <strong>{report.message}</strong>
                </p>
            })}
            {running.then(|| view! {
                <ServerForm action=stop read=|_| Some(StopMaintenance {})>
                    <button type="submit" data-testid="stop-run">"Stop after this step"</button>
                    <span class="hint">" Without JavaScript, reload the page to follow the run."</span>
                </ServerForm>
            })}
        </section>
    }
}

/// A run's heading, from the operation's name in the audit log.
fn run_title(operation: &str) -> &str {
    match operation {
        "recover" => "Recovery",
        "defragment" => "Defragmentation",
        other => other,
    }
}

pub(super) fn consistency_view(consistency: Option<Consistency>) -> impl IntoView {
    let Some(check) = consistency else {
        let href = format!("{}?check=1", maintenance_url());
        return Either::Left(view! {
            <section class="panel">
                <h2>"Consistency"</h2>
                <p>
                    "Every member hashes its keys at one revision; members whose history is \
                     compacted alike must agree. "
                    <a class="button" href=href data-testid="check-consistency">"Check now"</a>
                </p>
            </section>
        });
    };
    let rows = check
        .members
        .iter()
        .map(|member| {
            view! {
                <tr>
                    <td>{member.member.clone()}</td>
                    <td class="num">{member.hash.map(|h| h.to_string())}</td>
                    <td class="num">{member.compact_revision.map(|c| c.to_string())}</td>
                    <td>{member.error.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let verdict = if check.consistent {
        format!("Every member agrees at revision {}.", check.revision)
    } else {
        format!(
            "At revision {}: {}",
            check.revision,
            check.differences.join("; ")
        )
    };
    Either::Right(view! {
        <section class="panel" data-testid="consistency" data-consistent=check.consistent.to_string()>
            <h2>"Consistency"</h2>
            <p><strong>{verdict}</strong></p>
            <table class="keys">
                <thead><tr><th>"Member"</th><th class="num">"Hash"</th><th class="num">"Compacted to"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    })
}
