fn main() {
    std::process::exit(kmidiff::cli::kmidiff::main());
}
