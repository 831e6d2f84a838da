//! The benchmark's Rego baseline decides the benchmark application exactly as
//! the Gongshu module does (the figure also checks it against the wasm
//! component before timing).

use juzhu_bench::decision::LEGAL_DATE;
use juzhu_rego_gongshu::{RegoGongshu, View};

#[test]
fn the_benchmark_application_decides_exactly_the_same_in_rego() {
    let application = juzhu_bench::realistic_application();
    let native = juzhu_bench::native::module("hangzhou-gongshu").unwrap();
    let expected = View::of_juzhu(&(native.evaluate)(application.clone(), LEGAL_DATE.into())).unwrap();
    let actual = RegoGongshu::new().unwrap().decide(&application, LEGAL_DATE).unwrap();
    assert_eq!(actual, expected);
    assert_eq!(actual.outcome(), "Eligible");
}

#[test]
fn a_date_before_the_text_is_in_force_is_refused_on_the_legal_date_by_both() {
    let application = juzhu_bench::realistic_application();
    let native = juzhu_bench::native::module("hangzhou-gongshu").unwrap();
    let expected = View::of_juzhu(&(native.evaluate)(application.clone(), "2016-12-31".into())).unwrap();
    let actual = RegoGongshu::new().unwrap().decide(&application, "2016-12-31").unwrap();
    assert_eq!(actual, View::Error { field: "legal_date".into() });
    assert_eq!(actual, expected);
}
