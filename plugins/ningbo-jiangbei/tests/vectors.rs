//! Runs every vector in `vectors/` against the native build.
#[test]
fn every_vector_passes_natively() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    juzhu_sdk::vectors::assert_native(juzhu_plugin_ningbo_jiangbei::native(), &dir);
}
