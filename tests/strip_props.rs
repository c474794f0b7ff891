//! Properties of stripping on generated notebooks: idempotent, sources never
//! altered, and the output reads back (with an independent JSON parser) as
//! the same notebook minus what was stripped.

use nbscrub::cmd::strip::{Render, strip_bytes};
use nbscrub::strip::StripOptions;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Characters that stress escaping and nbformat's line splitting.
fn text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a",
        "print(x)",
        " ",
        "é",
        "日本",
        "😀",
        "\n",
        "\r",
        "\r\n",
        "\t",
        "\u{b}",
        "\u{c}",
        "\u{1c}",
        "\u{1f}",
        "\u{85}",
        "\u{2028}",
        "\u{2029}",
        "\"",
        "\\",
        "\u{1b}[31m",
        "/",
        "\u{7f}",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|p| p.concat())
}

/// A multi-line field as a file may hold it: one string, or a list of parts.
fn multiline() -> impl Strategy<Value = (String, Value)> {
    prop::collection::vec(text(), 0..4).prop_flat_map(|parts| {
        let joined = parts.concat();
        prop_oneof![
            Just((joined.clone(), json!(joined))),
            Just((joined.clone(), json!(parts))),
        ]
    })
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop::sample::select(vec![1e-5, 100000.0, 1e16, -0.0, 0.1, 5e-324]).prop_map(|f| json!(f)),
    ]
}

fn metadata() -> impl Strategy<Value = Map<String, Value>> {
    let keys = prop::sample::select(vec![
        "scrolled",
        "collapsed",
        "ExecuteTime",
        "tags",
        "Zeta",
        "alpha",
        "é",
        "jupyter",
        "n",
    ]);
    let values = prop_oneof![
        number(),
        any::<bool>().prop_map(Value::Bool),
        text().prop_map(Value::String),
        Just(json!({"nested": [1, 2.5, null]})),
    ];
    prop::collection::btree_map(keys, values, 0..5)
        .prop_map(|m| m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn output() -> impl Strategy<Value = Value> {
    prop_oneof![
        multiline()
            .prop_map(|(_, t)| json!({"output_type": "stream", "name": "stdout", "text": t})),
        (multiline(), 1..50u32).prop_map(|((_, t), n)| json!({
            "output_type": "execute_result", "execution_count": n, "metadata": {},
            "data": {"text/plain": t, "image/png": "iVBORw0KGgo="}
        })),
        text().prop_map(
            |t| json!({"output_type": "error", "ename": "E", "evalue": t, "traceback": [t]})
        ),
    ]
}

/// A generated notebook and the joined source of each cell.
fn notebook() -> impl Strategy<Value = (Value, Vec<String>)> {
    let cell = (
        prop::sample::select(vec!["code", "markdown", "raw"]),
        multiline(),
        metadata(),
        prop::option::of(1..100u32),
        prop::collection::vec(output(), 0..3),
    )
        .prop_map(|(kind, (joined, source), meta, count, outputs)| {
            let mut cell =
                json!({"cell_type": kind, "id": "x", "metadata": meta, "source": source});
            if kind == "code" {
                cell["execution_count"] = json!(count);
                cell["outputs"] = json!(outputs);
            }
            (cell, joined)
        });
    (prop::collection::vec(cell, 0..5), metadata()).prop_map(|(cells, meta)| {
        let (cells, sources): (Vec<Value>, Vec<String>) = cells.into_iter().unzip();
        let cells: Vec<Value> = cells
            .into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                c["id"] = json!(format!("cell-{i}"));
                c
            })
            .collect();
        let nb = json!({"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5});
        (nb, sources)
    })
}

fn joined(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts.iter().map(|p| p.as_str().unwrap()).collect(),
        other => panic!("unexpected source {other}"),
    }
}

const STRIPPED_CELL_KEYS: [&str; 6] = [
    "collapsed",
    "ExecuteTime",
    "execution",
    "heading_collapsed",
    "hidden",
    "scrolled",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn stripping_is_idempotent_and_keeps_sources((nb, sources) in notebook(), pretty in any::<bool>()) {
        let input = if pretty { serde_json::to_string_pretty(&nb) } else { serde_json::to_string(&nb) }.unwrap();
        let options = StripOptions::default();
        let once = strip_bytes(input.as_bytes(), &options, false, Render::Always).unwrap().1.unwrap();

        // Idempotent: nothing left to strip, and writing again gives the same bytes.
        prop_assert!(!strip_bytes(once.as_bytes(), &options, false, Render::Never).unwrap().0);
        let twice = strip_bytes(once.as_bytes(), &options, false, Render::Always).unwrap().1.unwrap();
        prop_assert_eq!(&twice, &once);

        // Reads back as the same notebook minus what nbstripout removes.
        let back: Value = serde_json::from_str(&once).unwrap();
        prop_assert!(once.ends_with("}\n"), "no final newline");
        let cells = back["cells"].as_array().unwrap();
        prop_assert_eq!(cells.len(), sources.len());
        for (i, (cell, source)) in cells.iter().zip(&sources).enumerate() {
            prop_assert_eq!(&joined(&cell["source"]), source);
            prop_assert_eq!(&cell["id"], &json!(i.to_string()));
            let mut want_meta = nb["cells"][i]["metadata"].as_object().unwrap().clone();
            for key in STRIPPED_CELL_KEYS {
                want_meta.remove(key);
            }
            prop_assert_eq!(cell["metadata"].as_object().unwrap(), &want_meta);
            if cell["cell_type"] == "code" {
                prop_assert_eq!(&cell["outputs"], &json!([]));
                prop_assert_eq!(&cell["execution_count"], &Value::Null);
            }
        }
        prop_assert_eq!(&back["metadata"], &nb["metadata"]);

        // --keep-format strips the same content in the file's own layout.
        let kept = strip_bytes(input.as_bytes(), &options, true, Render::Always).unwrap().1.unwrap();
        let kept: Value = serde_json::from_str(&kept).unwrap();
        for (a, b) in kept["cells"].as_array().unwrap().iter().zip(cells) {
            prop_assert_eq!(joined(&a["source"]), joined(&b["source"]));
            prop_assert_eq!(&a["metadata"], &b["metadata"]);
            prop_assert_eq!(&a.get("outputs"), &b.get("outputs"));
        }
    }
}
