//! The reports micro-app (administrators): Reports → Completed Orders, a bar
//! chart of monthly net totals with the table beneath it and a CSV download.

use crate::money::format_money;
use crate::pages::shopper_message;
use crate::reports::{CompletedOrdersReport, load_completed_orders};
use leptos::prelude::*;
use leptos_meta::Title;

const MONTHS: u32 = 12;

#[component]
pub fn CompletedOrdersPage() -> impl IntoView {
    let report = crate::json::load(|| (), |_| load_completed_orders(MONTHS));
    view! {
        <Title text="Completed orders · Reports · The Better Store"/>
        <nav class="breadcrumbs" aria-label="Breadcrumbs">"Reports / Completed Orders"</nav>
        <h1>"Completed orders"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading the report…"</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(r) => report_view(r).into_any(),
                    Err(e) => crate::components::refused(shopper_message(&e), "/reports/completed-orders"),
                }
            })}
        </Suspense>
    }
}

fn report_view(report: CompletedOrdersReport) -> impl IntoView {
    let currency = report
        .months
        .first()
        .and_then(|m| m.totals.first())
        .map(|t| t.currency.clone())
        .unwrap_or_else(|| "USD".into());
    let values: Vec<(String, i64, u64)> = report
        .months
        .iter()
        .map(|m| {
            let t = m.totals.iter().find(|t| t.currency == currency);
            (m.month.clone(), t.map_or(0, |t| t.net_total_minor), t.map_or(0, |t| t.order_count))
        })
        .collect();
    let max = values.iter().map(|v| v.1).max().unwrap_or(0).max(1);
    let bars = bars(&values, max, &currency);
    let csv = format!("data:text/csv;charset=utf-8,{}", crate::url::encode_component(&crate::reports::to_csv(&report)));
    let rows = report
        .months
        .iter()
        .flat_map(|m| m.totals.iter().map(move |t| (m.month.clone(), t.clone())))
        .map(|(month, t)| view! {
            <tr><td><time datetime=month.clone()>{crate::words::readable_month(&month)}</time></td><td>{t.currency.clone()}</td><td class="num">{format_money(t.net_total_minor, &t.currency)}</td><td class="num">{t.order_count}</td></tr>
        })
        .collect_view();
    view! {
        <p class="as-of">"Data as of " {as_of(report.as_of.clone())}</p>
        <svg class="chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=format!("Net totals of completed orders per month, last {MONTHS} months, {currency}")>
            <line class="chart__rule" x1="0" x2=WIDTH y1=TOP y2=TOP/>
            <text class="chart__scale" x="4" y=TOP - 8>{format_money(max, &currency)}</text>
            <g role="list">{bars}</g>
        </svg>
        <table class="report-table">
            <caption>"Monthly net totals (lines after discounts, excluding tax and shipping)"</caption>
            <thead><tr><th scope="col">"Month"</th><th scope="col">"Currency"</th><th scope="col">"Net total"</th><th scope="col">"Orders"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <p><a class="button" href=csv download="completed-orders.csv">"Download CSV"</a></p>
    }
}

/// The chart's drawing area, in its own units (it scales to the page's width):
/// the scale above the bars, the month and year below them. Whole units, so
/// no float is ever formatted: Rust's float formatting would cost the first
/// page's download ~7 kB (a formatted float's code stays in the first
/// module, whichever page uses it).
const WIDTH: i64 = 600;
const HEIGHT: i64 = 260;
const TOP: i64 = 34;
const BOTTOM: i64 = 50;
const GAP: i64 = 6;

/// One bar per month, as tall as its net total is of `max`, labelled with
/// its month (and the year under January and the first month).
fn bars(values: &[(String, i64, u64)], max: i64, currency: &str) -> impl IntoView + use<> {
    let bar_width = WIDTH / values.len().max(1) as i64 - GAP;
    let first = values.first().map(|v| v.0.clone());
    let views = values.iter().enumerate().map(|(i, (month, net, count))| {
        let h = (i128::from(*net.max(&0)) * i128::from(HEIGHT - TOP - BOTTOM) / i128::from(max)) as i64;
        let x = i as i64 * (bar_width + GAP);
        let centre = x + bar_width / 2;
        let label = format!("{}: {} from {count} orders", crate::words::readable_month(month), format_money(*net, currency));
        let title = label.clone();
        let (name, year) = crate::words::month_and_year(month).unwrap_or(("", ""));
        // Drawn from the bar's left edge: centred under the first bar, a phone's
        // larger text would start past the chart's.
        let year = (name == "Jan" || first.as_ref() == Some(month)).then(|| year.to_string());
        view! {
            <g>
                <rect class="chart__bar" x=x y=HEIGHT - BOTTOM - h width=bar_width height=h role="listitem" aria-label=label>
                    <title>{title}</title>
                </rect>
                <text class="chart__label" x=centre y=HEIGHT - BOTTOM + 20 text-anchor="middle">{name}</text>
                {year.map(|y| view! { <text class="chart__label chart__label--year" x=x y=HEIGHT - 6>{y}</text> })}
            </g>
        }
    });
    views.collect_view()
}

/// When the report's data is from, as people read a time (the machine's in `datetime`).
fn as_of(at: Option<String>) -> AnyView {
    match at {
        Some(at) => {
            view! { <time data-testid="as-of" datetime=at.clone()>{crate::words::readable_utc(&at)}</time> }.into_any()
        }
        None => view! { <span data-testid="as-of">"— (no orders yet)"</span> }.into_any(),
    }
}
