fn main() -> std::process::ExitCode {
    wasmcharm::cli::main()
}
