//! `make bench`'s measurement of the request limits' own cost: for each read shape of
//! `bench/shapes.tsv`, the time `limits::measure` + `limits::check` (depth, fields, aliases and the
//! estimated cost, fragments expanded) take on the parsed document, next to the time parsing it takes.
//! Prints one tab-separated line per shape: name, measure+check ns, parse ns.
//!
//! Run: `cargo run --release -p fraiseql-core --example limits_overhead -- bench/shapes.tsv examples/blog/blog.graphql`
use std::hint::black_box;
use std::time::Instant;

use fraiseql_core::request::limits::{check, measure, QueryLimits};
use fraiseql_core::{parse_document, PageSizes, Schema};

/// Mean nanoseconds of one call of `f`, over enough calls to fill ~200 ms (best of 5 such runs, so a
/// scheduler hiccup does not count).
fn ns_per_call(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut calibrate = 0u64;
    while start.elapsed().as_millis() < 20 {
        f();
        calibrate += 1;
    }
    let n = (calibrate * 10).max(1);
    (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (shapes, sdl) = match args.as_slice() {
        [_, shapes, sdl] => (shapes, sdl),
        _ => {
            eprintln!("usage: limits_overhead SHAPES.tsv SCHEMA.graphql");
            std::process::exit(2);
        }
    };
    let sdl = std::fs::read_to_string(sdl).expect("the schema file can be read");
    let schema = Schema::parse(&sdl).expect("the schema parses");
    let shapes = std::fs::read_to_string(shapes).expect("the shapes file can be read");
    // The defaults of fraiseql.max_depth / max_fields / max_aliases / max_cost and the page sizes.
    let limits = QueryLimits {
        max_depth: 20,
        max_fields: 2000,
        max_aliases: 30,
        max_cost: 50_000,
    };
    let pages = PageSizes::default();
    // The bench's variables: the page offset `o` and a post id; neither changes a page size.
    let variables =
        serde_json::json!({"o": 4200, "id": "00000000-0000-0000-0000-00000000002a", "t": "Post 1"});
    for line in shapes
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let mut cols = line.split('\t');
        let (Some(name), Some(query)) = (cols.next(), cols.next()) else {
            continue;
        };
        let doc = parse_document(query).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let m = measure(
            &schema,
            &doc,
            Some(&variables),
            &pages,
            limits.max_fields + 1,
        );
        assert!(
            check(&m, &limits).is_none(),
            "{name} is within the default limits: {m:?}"
        );
        let limits_ns = ns_per_call(|| {
            let m = measure(
                &schema,
                black_box(&doc),
                Some(&variables),
                &pages,
                limits.max_fields + 1,
            );
            black_box(check(&m, &limits));
        });
        let parse_ns = ns_per_call(|| {
            black_box(parse_document(black_box(query)).ok());
        });
        println!("{name}\t{limits_ns:.0}\t{parse_ns:.0}");
    }
}
