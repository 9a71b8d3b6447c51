fn main() {
    std::process::exit(kmidiff::cli::kmi::main());
}
