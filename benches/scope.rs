//! Scopes: parsing one, and the `ScopeSet` operations a token cache runs on every request.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use registry_auth::scope::{Scope, ScopeSet};

const SIMPLE: &str = "repository:library/alpine:pull";
// A host with a port puts extra colons in the name, and unsorted, repeated actions make the
// parser sort and deduplicate: the slow path of `Scope::parse`.
const HARD: &str = "repository:localhost:5000/team/app:push,delete,pull,push";

fn scope(s: &str) -> Scope {
    Scope::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

/// A set as a client that touched `n` repositories would hold it.
fn held(n: usize) -> ScopeSet {
    (0..n)
        .map(|i| scope(&format!("repository:team/app{i:03}:pull,push")))
        .collect()
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("scope/parse");
    for (name, s) in [("simple", SIMPLE), ("port_and_actions", HARD)] {
        group.throughput(Throughput::Bytes(s.len() as u64));
        group.bench_function(name, |b| b.iter(|| black_box(Scope::parse(black_box(s)))));
    }
    group.finish();
}

fn set(c: &mut Criterion) {
    let mut group = c.benchmark_group("scope/set");
    let set = held(16);
    // The clone that `insert` consumes is set up outside the timing; only the insert is timed.
    for (name, s) in [
        ("insert_merge", "repository:team/app007:delete"),
        ("insert_new", "repository:team/app007b:pull"),
    ] {
        let s = scope(s);
        group.bench_function(name, |b| {
            b.iter_batched(
                || (set.clone(), s.clone()),
                |(mut set, s)| {
                    set.insert(s);
                    set
                },
                BatchSize::SmallInput,
            )
        });
    }
    for (name, s, want) in [
        ("covers_hit", "repository:team/app011:pull", true),
        (
            "covers_wrong_action",
            "repository:team/app011:delete",
            false,
        ),
        ("covers_missing", "repository:team/other:pull", false),
    ] {
        let s = scope(s);
        assert_eq!(set.covers(&s), want, "{name}");
        group.bench_function(name, |b| b.iter(|| black_box(set.covers(black_box(&s)))));
    }
    group.finish();
}

criterion_group!(benches, parse, set);
criterion_main!(benches);
