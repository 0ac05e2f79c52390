/// `schema.graphql` is generated: regenerate it with
/// `cargo run -q -- schema > schema.graphql` when this fails.
#[test]
fn schema_graphql_is_what_the_code_generates() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let checked_in =
        std::fs::read_to_string(path).expect("schema.graphql exists at the repository root");
    let generated = switchboard_graphql::sdl();
    assert!(
        checked_in == generated,
        "schema.graphql differs from the code's schema; run `cargo run -q -- schema > schema.graphql`"
    );
}
