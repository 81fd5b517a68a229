fn main() -> std::process::ExitCode {
    bbscan::cli::main()
}
