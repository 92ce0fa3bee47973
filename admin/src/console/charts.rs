//! The dashboard's charts, drawn on the server as SVG by `plotters`: stacked bars of counts per
//! day. Counts the statistics suppress ("<5") add nothing to a bar; a day with any is marked
//! "+<5" above it, as the table beside each chart says it.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use quietline_protocol::api::Count;

/// A total of counts: what is known exactly, and whether some were too small to show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub exact: u64,
    pub hidden: bool,
}

impl Tally {
    /// Adds a count as the statistics give it.
    pub fn add(self, count: &Count) -> Tally {
        match count {
            Count::Exact(n) => Tally {
                exact: self.exact + n,
                ..self
            },
            Count::Suppressed(_) => Tally {
                hidden: true,
                ..self
            },
        }
    }

    /// As the table shows it: `12`, `<5`, or `12 + <5`.
    pub fn shown(&self) -> String {
        match (self.exact, self.hidden) {
            (n, false) => n.to_string(),
            (0, true) => "<5".to_string(),
            (n, true) => format!("{n} + <5"),
        }
    }
}

/// Colours told apart in print and by people with the common colour blindnesses (Okabe–Ito).
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(120, 120, 120),
];

/// One series of a stacked bar chart: its name and a total per day.
pub struct Series {
    pub name: String,
    pub counts: Vec<Tally>,
}

/// Counts of `series` stacked per day, days labelled by `days`; `None` with no day at all.
pub fn stacked_bars(caption: &str, days: &[String], series: &[Series]) -> Option<String> {
    if days.is_empty() {
        return None;
    }
    let exact = |tally: &Tally| tally.exact;
    let totals: Vec<u64> = (0..days.len())
        .map(|day| {
            series
                .iter()
                .filter_map(|s| s.counts.get(day))
                .map(exact)
                .sum()
        })
        .collect();
    let suppressed: Vec<bool> = (0..days.len())
        .map(|day| {
            series
                .iter()
                .filter_map(|s| s.counts.get(day))
                .any(|c| c.hidden)
        })
        .collect();
    // Room above the tallest bar for its mark and the legend.
    let top = totals.iter().copied().max().unwrap_or(0).max(5) * 3 / 2 + 1;
    // One segment per day: a segmented range of 0..n has n + 1 of them.
    let last = u32::try_from(days.len() - 1).unwrap_or(u32::MAX);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 300)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(40)
            .build_cartesian_2d((0u32..last).into_segmented(), 0u64..top)
            .ok()?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(days.len().min(10))
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(x) | SegmentValue::Exact(x) => days
                    .get(*x as usize)
                    .map(|d| d.get(5..).unwrap_or(d).to_string())
                    .unwrap_or_default(),
                SegmentValue::Last => String::new(),
            })
            .y_labels(6)
            .label_style(("sans-serif", 15))
            .draw()
            .ok()?;
        let mut base = vec![0u64; days.len()];
        for (i, one) in series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let bars: Vec<Rectangle<(SegmentValue<u32>, u64)>> = one
                .counts
                .iter()
                .enumerate()
                .filter_map(|(day, count)| {
                    let n = exact(count);
                    let x = u32::try_from(day).ok()?;
                    let from = *base.get(day)?;
                    base[day] = from + n;
                    (n > 0).then(|| {
                        let mut bar = Rectangle::new(
                            [
                                (SegmentValue::Exact(x), from),
                                (SegmentValue::Exact(x + 1), from + n),
                            ],
                            colour.filled(),
                        );
                        bar.set_margin(0, 0, 3, 3);
                        bar
                    })
                })
                .collect();
            chart
                .draw_series(bars)
                .ok()?
                .label(one.name.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled())
                });
        }
        chart
            .draw_series(
                suppressed
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| **s)
                    .filter_map(|(day, _)| {
                        let x = u32::try_from(day).ok()?;
                        Some(Text::new(
                            "+<5",
                            (SegmentValue::CenterOf(x), totals[day] + top / 20 + 1),
                            ("sans-serif", 15),
                        ))
                    }),
            )
            .ok()?;
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .ok()?;
        root.present().ok()?;
    }
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_exact_count_is_a_bar_and_each_suppressed_day_is_marked() {
        let days: Vec<String> = ["2026-11-01", "2026-11-02", "2026-11-03"]
            .map(String::from)
            .to_vec();
        let series = [
            Series {
                name: "en".into(),
                counts: [
                    Count::Exact(7),
                    Count::Exact(0),
                    Count::Suppressed("<5".into()),
                ]
                .iter()
                .map(|c| Tally::default().add(c))
                .collect(),
            },
            Series {
                name: "tl".into(),
                counts: [Count::Exact(9), Count::Exact(12), Count::Exact(0)]
                    .iter()
                    .map(|c| Tally::default().add(c))
                    .collect(),
            },
        ];
        let svg = stacked_bars("Opened", &days, &series).unwrap_or_default();
        assert!(svg.starts_with("<svg"), "{svg}");
        // Three bars of the palette's first two colours, one legend swatch each.
        assert_eq!(svg.matches("fill=\"#0072B2\"").count(), 1 + 1, "{svg}");
        assert_eq!(svg.matches("fill=\"#E69F00\"").count(), 2 + 1, "{svg}");
        assert_eq!(svg.matches("+&lt;5").count(), 1, "{svg}");
        for text in ["Opened", "tl", "en", "11-01", "11-03"] {
            assert!(svg.contains(&format!("\n{text}\n")), "{text} in {svg}");
        }
        assert!(stacked_bars("Opened", &[], &series).is_none());
    }

    #[test]
    fn a_total_keeps_what_is_exact_and_says_what_is_hidden() {
        let hidden = Count::Suppressed("<5".into());
        let total = Tally::default().add(&Count::Exact(7)).add(&hidden);
        assert_eq!(
            total,
            Tally {
                exact: 7,
                hidden: true
            }
        );
        assert_eq!(total.shown(), "7 + <5");
        assert_eq!(Tally::default().add(&hidden).shown(), "<5");
        assert_eq!(Tally::default().add(&Count::Exact(3)).shown(), "3");
    }
}
