//! A chart of the cluster over time, drawn as SVG from its data: on the server, so it shows
//! without JavaScript, and in the browser, where hovering it shows the time and every line's
//! value there. Every chart of a view shares one time grid and one width, so their time axes
//! line up.

use crate::domain::metrics::{Chart, Unit};
use leptos::prelude::*;
use std::sync::Arc;

/// The drawing's size in its own units; the page scales it to the column's width.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 180.0;
/// Room for the value axis on the left, and the time axis below.
const LEFT: f64 = 70.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 22.0;
/// Lines drawn in their own colours; more take the colours again.
const COLOURS: usize = 6;

/// A moment on the time axis, as `05:12` in UTC (the same on the server and in the browser).
pub fn clock(at_ms: i64) -> String {
    let minutes = at_ms.div_euclid(60_000);
    format!(
        "{:02}:{:02}",
        minutes.div_euclid(60).rem_euclid(24),
        minutes.rem_euclid(60)
    )
}

/// Where a chart's points go.
struct Plot {
    steps: usize,
    top: f64,
}

impl Plot {
    fn new(chart: &Chart, steps: usize) -> Self {
        let top = chart.top();
        // A flag (0 or 1) or nothing at all still gets an axis.
        let top = if top <= 0.0 { 1.0 } else { top * 1.1 };
        Plot { steps, top }
    }

    fn x(&self, index: usize) -> f64 {
        let span = (self.steps.max(2) - 1) as f64;
        LEFT + (WIDTH - LEFT - RIGHT) * index as f64 / span
    }

    fn y(&self, value: f64) -> f64 {
        TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - (value / self.top).clamp(0.0, 1.0))
    }

    /// A line through the values, broken where one is missing; a lone value is a dot.
    fn path(&self, values: &[Option<f64>]) -> String {
        let mut d = String::new();
        let mut drawing = false;
        for (index, value) in values.iter().enumerate() {
            match value {
                Some(value) => {
                    let command = if drawing { 'L' } else { 'M' };
                    d.push_str(&format!(
                        "{command}{:.1} {:.1}",
                        self.x(index),
                        self.y(*value)
                    ));
                    if !drawing && values.get(index + 1).is_none_or(Option::is_none) {
                        d.push_str("h0.01");
                    }
                    drawing = true;
                }
                None => drawing = false,
            }
        }
        d
    }
}

/// The value axis' labels: none, half and the top.
fn value_ticks(plot: &Plot, unit: Unit) -> impl IntoView {
    [0.0, plot.top / 2.0, plot.top]
        .into_iter()
        .map(|value| {
            let y = plot.y(value);
            view! {
                <line class="grid" x1=LEFT x2=WIDTH - RIGHT y1=y y2=y />
                <text class="tick" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">{unit.format(value)}</text>
            }
        })
        .collect_view()
}

/// The time axis' labels: four moments, first to last.
fn time_ticks(plot: &Plot, times: &[i64]) -> impl IntoView {
    let last = times.len().saturating_sub(1);
    let mut indexes = vec![0, last / 3, 2 * last / 3, last];
    indexes.dedup();
    indexes
        .into_iter()
        .filter_map(|index| Some((index, *times.get(index)?)))
        .map(|(index, at)| {
            let anchor = match index {
                0 => "start",
                i if i == last => "end",
                _ => "middle",
            };
            view! {
                <text class="tick" x=plot.x(index) y=HEIGHT - 6.0 text-anchor=anchor>{clock(at)}</text>
            }
        })
        .collect_view()
}

/// One chart: its title, the drawing, and each line's name and last value.
#[component]
pub fn ChartView(chart: Chart, times: Arc<[i64]>) -> impl IntoView {
    let plot = Plot::new(&chart, times.len());
    let hover = RwSignal::new(None::<usize>);
    let unit = chart.unit;
    let lines = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, series)| {
            view! {
                <path class=format!("line c{}", i % COLOURS) d=plot.path(&series.values) data-testid="chart-line" />
            }
        })
        .collect_view();
    let limit = chart.limit.filter(|limit| *limit > 0.0).map(|limit| {
        let y = plot.y(limit);
        let label = format!("{} {}", chart.limit_label.clone().unwrap_or_default(), unit.format(limit));
        view! {
            <line class="limit" x1=LEFT x2=WIDTH - RIGHT y1=y y2=y />
            <text class="limit-label" x=WIDTH - RIGHT - 4.0 y=y - 4.0 text-anchor="end">{label}</text>
        }
    });
    let legend = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, series)| {
            let last = series.values.iter().rev().flatten().next().copied();
            let last = last.map(|v| unit.format(v)).unwrap_or_else(|| "–".into());
            view! {
                <li>
                    <span class=format!("swatch c{}", i % COLOURS) aria-hidden="true"></span>
                    {series.name.clone()}
                    ": "
                    <span data-testid="chart-last">{last}</span>
                </li>
            }
        })
        .collect_view();
    let empty = (!chart.has_data()).then(|| view! {
        <text class="tick" x=(LEFT + WIDTH) / 2.0 y=HEIGHT / 2.0 text-anchor="middle">"no data yet"</text>
    });
    let described = format!("{} over time", chart.title);
    let (title, id) = (chart.title.clone(), chart.id.clone());
    let hover_at = {
        let chart = chart.clone();
        let times = times.clone();
        move || {
            // The step under the pointer, or the nearest one drawn (the newest step may not
            // have been read yet).
            let asked = hover.get()?;
            let drawn = |i: &usize| {
                chart
                    .series
                    .iter()
                    .any(|s| s.values.get(*i).copied().flatten().is_some())
            };
            let index = (0..times.len())
                .filter(drawn)
                .min_by_key(|i| i.abs_diff(asked))?;
            let at = *times.get(index)?;
            let x = plot_x(index, times.len());
            let values = chart
                .series
                .iter()
                .map(|s| {
                    let value = s.values.get(index).copied().flatten();
                    format!(
                        "{}: {}",
                        s.name,
                        value
                            .map(|v| chart.unit.format(v))
                            .unwrap_or_else(|| "–".into())
                    )
                })
                .collect::<Vec<_>>()
                .join(" · ");
            Some(view! {
                <p class="chart-tip" data-testid="chart-tip">{format!("{} UTC · {values}", clock(at))}</p>
                <svg class="chart-cursor" viewBox=format!("0 0 {WIDTH} {HEIGHT}") aria-hidden="true">
                    <line x1=x x2=x y1=TOP y2=HEIGHT - BOTTOM />
                </svg>
            })
        }
    };
    let steps = times.len();
    let on_move = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(target) = ev
                .current_target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            let rect = target.get_bounding_client_rect();
            let units = (ev.client_x() as f64 - rect.left()) / rect.width().max(1.0) * WIDTH;
            let share = ((units - LEFT) / (WIDTH - LEFT - RIGHT)).clamp(0.0, 1.0);
            hover.set(Some((share * (steps.max(2) - 1) as f64).round() as usize));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, steps);
    };
    view! {
        <figure class="chart" data-testid="chart" data-chart=id>
            <figcaption>{title}</figcaption>
            <div class="chart-area">
                <svg
                    viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                    role="img"
                    aria-label=described
                    on:mousemove=on_move
                    on:mouseleave=move |_| hover.set(None)
                >
                    {value_ticks(&plot, unit)}
                    {time_ticks(&plot, &times)}
                    {limit}
                    {lines}
                    {empty}
                </svg>
                {hover_at}
            </div>
            <ul class="legend">{legend}</ul>
        </figure>
    }
}

/// Where step `index` of `steps` is drawn.
fn plot_x(index: usize, steps: usize) -> f64 {
    Plot { steps, top: 1.0 }.x(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_breaks_where_a_value_is_missing() {
        let plot = Plot {
            steps: 5,
            top: 10.0,
        };
        let d = plot.path(&[Some(0.0), Some(10.0), None, Some(5.0), None]);
        assert_eq!(d, "M70.0 158.0L210.0 10.0M490.0 84.0h0.01");
        assert_eq!(clock(3_600_000 * 25 + 60_000 * 7), "01:07");
    }
}
