//! Turns `clauses.toml` into the module's clause table (Rust statics in
//! `$OUT_DIR/clauses.rs`), so the module never parses TOML at run time.

fn main() {
    juzhu_sdk_build::clause_table();
}
