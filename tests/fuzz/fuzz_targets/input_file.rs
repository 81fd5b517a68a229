// Readers that take a path get the fuzz input through one file per process (in memory where
// /dev/shm exists), rewritten for every input.
fn bbscan_fuzz_input(bytes: &[u8]) -> std::path::PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() { std::path::PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
    let path = dir.join(format!("bbscan-fuzz-{}", std::process::id()));
    std::fs::write(&path, bytes).expect("the fuzz input file can be written");
    path
}
