//! The shape of the server's modules, checked on its sources: a domain (a folder of `src/` with a
//! `service.rs` or `service/`) may use another domain's store, but the services never depend on
//! each other in a circle, and no store reaches a service.
// A source that cannot be read should stop the check where it happens.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

fn domains(src: &Path) -> BTreeSet<String> {
    std::fs::read_dir(src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("service.rs").exists() || p.join("service/mod.rs").exists())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// Every `crate::<domain>::<item>` a source names, as (domain, item); `{` stands for a group.
fn uses(text: &str, domains: &BTreeSet<String>) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !domains.contains(&name) {
            continue;
        }
        let after = &rest[name.len()..];
        let item = after.strip_prefix("::").map_or(String::new(), |tail| {
            if tail.starts_with('{') {
                "{".to_string()
            } else {
                tail.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            }
        });
        found.push((name, item));
    }
    found
}

/// Edges domain → domain where the first uses anything of the second but its store.
fn service_graph(src: &Path) -> (BTreeMap<String, BTreeSet<String>>, Vec<String>) {
    let domains = domains(src);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stores_reaching_services = Vec::new();
    for domain in &domains {
        for file in sources(&src.join(domain)) {
            let text = std::fs::read_to_string(&file).unwrap();
            let is_store = file.file_name().is_some_and(|n| n == "store.rs");
            for (other, item) in uses(&text, &domains) {
                if &other == domain || item == "store" {
                    continue;
                }
                if is_store {
                    stores_reaching_services
                        .push(format!("{} uses {other}::{item}", file.display()));
                }
                graph.entry(domain.clone()).or_default().insert(other);
            }
        }
    }
    (graph, stores_reaching_services)
}

/// A circle in the graph, if there is one.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_two_domain_services_depend_on_each_other_in_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = domains(&src);
    for domain in [
        "accounts",
        "organisations",
        "entry_points",
        "conversations",
        "desk",
        "canned_replies",
        "cards",
        "keys",
        "messages",
    ] {
        assert!(found.contains(domain), "{domain} not found among {found:?}");
    }
    let (graph, stores_reaching_services) = service_graph(&src);
    assert_eq!(
        circle(&graph),
        None,
        "domains in a circle; graph: {graph:#?}"
    );
    assert!(
        stores_reaching_services.is_empty(),
        "{stores_reaching_services:#?}"
    );
}

#[test]
fn the_check_finds_a_circle_and_a_store_reaching_a_service() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    assert_eq!(circle(&graph), None);
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        circle(&graph),
        Some(
            vec!["a", "b", "c", "a"]
                .into_iter()
                .map(String::from)
                .collect()
        )
    );
    let domains: BTreeSet<String> = ["accounts".to_string(), "desk".to_string()].into();
    assert_eq!(
        uses(
            "use crate::desk::service as desk;\nuse crate::accounts::{store, service};\ncrate::auth::x",
            &domains
        ),
        vec![
            ("desk".to_string(), "service".to_string()),
            ("accounts".to_string(), "{".to_string())
        ]
    );
}
