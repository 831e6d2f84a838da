//! juzhu against a policy engine: the same Gongshu rules written in Rego
//! (`tests/rego/gongshu.rego`) and evaluated by regorus, on the same
//! application, in the same run. Target: juzhu faster.
//!
//! The Rego policy is checked to decide as the module does on every Gongshu
//! vector (`cargo nextest run -p juzhu-rego-gongshu`); here both answers on
//! the benchmark application must agree before anything is timed.

use std::path::Path;

use anyhow::Context;
use juzhu_rego_gongshu::{RegoGongshu, View};
use juzhu_runtime::certify::transcode;
use juzhu_runtime::{Runtime, SandboxLimits};

use super::Figure;
use super::decision::{LEGAL_DATE, MODULE, median_of, micros};

/// Times the wasm decision and the Rego evaluation of the benchmark application.
pub fn measure(modules_dir: &Path, iterations: usize) -> anyhow::Result<(Vec<Figure>, String)> {
    let runtime = Runtime::new(SandboxLimits::default(), None)?;
    let path = modules_dir.join(format!("{MODULE}.wasm"));
    let bytes = std::fs::read(&path)
        .with_context(|| format!("cannot read {} (run scripts/build-modules.sh first)", path.display()))?;
    let module = runtime.load(&path.display().to_string(), &bytes)?;
    let application = super::realistic_application();
    let host_application = transcode(&application);

    // Engine prepared and policy parsed once; the input value built once.
    let mut rego = RegoGongshu::new()?;
    let input = RegoGongshu::input(&application, LEGAL_DATE)?;

    // Both must give the same decision (outcome, routes, materials, codes, citations).
    let from_wasm: Result<juzhu_sdk::types::Decision, juzhu_sdk::types::Refusal> = {
        let (answer, _) = module.evaluate(&host_application, LEGAL_DATE)?;
        answer.map(|d| transcode(&d)).map_err(|e| transcode(&e))
    };
    let juzhu_view = View::of_juzhu(&from_wasm)?;
    let rego_view = View::of_rego(&serde_json::to_value(rego.evaluate(input.clone())?)?)?;
    anyhow::ensure!(
        juzhu_view == rego_view,
        "the Rego policy and the wasm module disagree on the benchmark application:\n  juzhu {juzhu_view:?}\n  rego  {rego_view:?}"
    );
    anyhow::ensure!(juzhu_view.outcome() == "Eligible", "the benchmark application should be eligible: {juzhu_view:?}");

    let wasm = median_of(iterations, || {
        module.evaluate(&host_application, LEGAL_DATE).expect("wasm call").0.expect("decision");
    });
    let rego_time = median_of(iterations, || {
        rego.evaluate(input.clone()).expect("rego evaluation");
    });
    let ratio = rego_time.as_secs_f64() / wasm.as_secs_f64();
    let figures = vec![
        Figure::info(
            "per-decision latency, Rego (regorus) evaluating the same Gongshu rules",
            format!("{:.1} µs", micros(rego_time)),
        ),
        Figure::info(
            "per-decision latency, wasm, same run (fresh sandbox per call)",
            format!("{:.1} µs", micros(wasm)),
        ),
        Figure::target("Rego ÷ juzhu wasm", format!("{ratio:.2}×"), "juzhu faster", ratio > 1.0),
    ];
    let setup = format!(
        "Rego figure: regorus (version in tests/rego/Cargo.toml) evaluating tests/rego/gongshu.rego (Gongshu 二(一)2-3, equal to the module on every evaluate vector but the SDK-validation ones); engine prepared and policy parsed once, the input value built once; per call: set the input, evaluate `{}` (it builds no message texts, no input validation, both of which the wasm call does); against the wasm call with a fresh sandbox; median of {iterations} runs each after warm-up",
        juzhu_rego_gongshu::RULE
    );
    Ok((figures, setup))
}
