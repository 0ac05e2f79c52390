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

/// Every type, field, argument, input field and enum value of the public
/// schema says what it is: clients read the schema as the API's reference.
/// Introspection types (`__*`) and the built-in scalars are async-graphql's.
#[test]
fn every_type_field_argument_and_enum_value_has_a_description() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

    let document = async_graphql::parser::parse_schema(switchboard_graphql::sdl())
        .expect("the generated SDL parses");
    let described = |d: &Option<async_graphql::Positioned<String>>| {
        d.as_ref().is_some_and(|d| !d.node.trim().is_empty())
    };
    let mut missing = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            missing.push(what);
        }
    };
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = &ty.node;
        let name = ty.name.node.as_str();
        if name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name) {
            continue;
        }
        check(described(&ty.description), format!("type {name}"));
        let fields = match &ty.kind {
            TypeKind::Object(object) => object.fields.as_slice(),
            TypeKind::Interface(interface) => interface.fields.as_slice(),
            _ => &[],
        };
        for field in fields.iter().map(|f| &f.node) {
            let field_name = &field.name.node;
            check(
                described(&field.description),
                format!("field {name}.{field_name}"),
            );
            for argument in field.arguments.iter().map(|a| &a.node) {
                check(
                    described(&argument.description),
                    format!("argument {name}.{field_name}({})", argument.name.node),
                );
            }
        }
        match &ty.kind {
            TypeKind::InputObject(input) => {
                for field in input.fields.iter().map(|f| &f.node) {
                    check(
                        described(&field.description),
                        format!("input field {name}.{}", field.name.node),
                    );
                }
            }
            TypeKind::Enum(enumeration) => {
                for value in enumeration.values.iter().map(|v| &v.node) {
                    check(
                        described(&value.description),
                        format!("enum value {name}.{}", value.value.node),
                    );
                }
            }
            TypeKind::Scalar
            | TypeKind::Object(_)
            | TypeKind::Interface(_)
            | TypeKind::Union(_) => {}
        }
    }
    assert!(
        missing.is_empty(),
        "parts of the schema without a description ({}; add `///` doc comments, or \
         `#[graphql(desc = \"…\")]` on arguments):\n{}",
        missing.len(),
        missing.join("\n")
    );
}
