use std::process::ExitCode;

fn main() -> ExitCode {
    match juzhu::cli::run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
