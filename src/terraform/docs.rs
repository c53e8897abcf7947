//! Reference pages rendered from the schemas, so the schema descriptions are
//! the single source of the docs. `make docs` writes them; a test fails when
//! the committed pages differ from what the schemas render.

use std::fmt::Write;

use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, NestedBlock, Schema,
};

use super::action::{test_alert_schema, ACTION_RULES};
use super::schema::{list_schema, pipeline_identity_schema, pipeline_schema, provider_schema};
use super::validate::rules_for;

/// The doc lines of the checks of one argument, by its path.
type RulesOf = fn(&str) -> Vec<&'static str>;

fn pipeline_rules(path: &str) -> Vec<&'static str> {
    rules_for(path).map(|rule| rule.text).collect()
}

fn action_rules(path: &str) -> Vec<&'static str> {
    ACTION_RULES
        .iter()
        .filter(|rule| rule.path == path)
        .map(|rule| rule.text)
        .collect()
}

fn type_name(t: &AttributeType) -> String {
    match t {
        AttributeType::String => "string".into(),
        AttributeType::Number => "number".into(),
        AttributeType::Bool => "bool".into(),
        AttributeType::List(inner) => format!("list({})", type_name(inner)),
        AttributeType::Set(inner) => format!("set({})", type_name(inner)),
        AttributeType::Map(inner) => format!("map({})", type_name(inner)),
        AttributeType::Object(fields) => {
            let mut names: Vec<_> = fields.keys().cloned().collect();
            names.sort();
            format!("object({})", names.join(", "))
        }
        _ => "dynamic".into(),
    }
}

fn sorted(block: &Block) -> Vec<(&String, &Attribute)> {
    let mut attributes: Vec<_> = block.attributes.iter().collect();
    attributes
        .sort_by_key(|(name, a)| (a.constraint != AttributeConstraint::Required, name.as_str()));
    attributes
}

/// The validator's rules of one argument, as sub-items of its entry.
fn rules(out: &mut String, rules_of: RulesOf, path: &str) {
    for text in rules_of(path) {
        let _ = writeln!(out, "  - Checked at plan: {text}");
    }
}

/// `prefix` is the block's path (`""` at the top, `"alarm."` in a block), so
/// each argument is listed with the validator's rules for it.
fn arguments(out: &mut String, block: &Block, prefix: &str, rules_of: RulesOf) {
    for (name, a) in sorted(block) {
        let kind = match a.constraint {
            AttributeConstraint::Required => "Required",
            AttributeConstraint::Computed => continue,
            _ => "Optional",
        };
        let sensitive = if a.sensitive { ", sensitive" } else { "" };
        let _ = writeln!(
            out,
            "- `{name}` ({kind}, {}{sensitive}) {}",
            type_name(&a.attr_type),
            a.description.content
        );
        rules(out, rules_of, &format!("{prefix}{name}"));
    }
}

fn blocks(out: &mut String, block: &Block, heading: &str, prefix: &str) {
    let mut nested: Vec<_> = block.blocks.iter().collect();
    nested.sort_by_key(|(name, _)| name.as_str());
    for (name, nested) in nested {
        let (inner, how) = match nested {
            NestedBlock::Group(b) => (
                b,
                "optional block, at most once; omitted settings take their defaults",
            ),
            NestedBlock::Optional(b) => (b, "optional block, at most once"),
            NestedBlock::Single(b) => (b, "required block"),
            NestedBlock::List(b) | NestedBlock::Set(b) | NestedBlock::Map(b) => {
                (b, "repeatable block")
            }
        };
        let _ = writeln!(
            out,
            "\n{heading} `{name}` ({how})\n\n{}\n",
            inner.description.content
        );
        let path = format!("{prefix}{name}");
        for rule in rules_for(&path) {
            let _ = writeln!(out, "Checked at plan: {}\n", rule.text);
        }
        arguments(out, inner, &format!("{path}."), pipeline_rules);
    }
}

pub fn provider_page() -> String {
    let Schema { block, .. } = provider_schema();
    let mut out = String::from("# secretmonitor provider\n\n<!-- Generated from the provider schema by `make docs`; edit src/terraform/schema.rs. -->\n\n");
    let _ = writeln!(out, "{}\n", block.description.content);
    out.push_str("## Example\n\n```hcl\nprovider \"secretmonitor\" {\n  region = \"eu-west-1\"\n\n  assume_role {\n    role_arn = \"arn:aws:iam::111122223333:role/secret-monitor-deployer\"\n  }\n\n  default_tags {\n    tags = { managed-by = \"terraform\" }\n  }\n}\n```\n\n## Arguments\n\n");
    arguments(&mut out, &block, "provider.", pipeline_rules);
    blocks(&mut out, &block, "###", "provider.");
    out.push_str("\n## Logging\n\nWith `TF_LOG_PROVIDER=debug` (or `TF_LOG=debug`, or `trace`), Terraform's log shows one line per AWS call the provider makes, with the pipeline component, service, operation, HTTP status and duration; failed calls are logged at `WARN` with the AWS error code when the protocol gives it in a header:\n\n```\n[DEBUG] provider.terraform-provider-secretmonitor_v0.1.0: AWS call: component=\"CloudTrail trail\" operation=CreateTrail service=CloudTrail status=200 duration_ms=41\n```\n\nRequests, headers and credentials are never logged (the acceptance tests grep the whole log for the access and secret keys).\n");
    out
}

/// The examples shown on the resource page, each a file of `examples/`
/// (checked by `terraform fmt -check` and `terraform validate` in the
/// acceptance tests): what it shows, and its path.
pub const PAGE_EXAMPLES: [(&str, &str); 3] = [
    ("The smallest useful pipeline", "examples/basic/main.tf"),
    (
        "Per-event alerts with a scope and an allow-list",
        "examples/per-event-alerts/main.tf",
    ),
    (
        "A module for many accounts (used through aliased providers that assume a role in each account; see examples/multi-account)",
        "examples/multi-account/modules/secret-monitor/main.tf",
    ),
];

/// `examples` are (title, path, file content).
pub fn pipeline_page(examples: &[(&str, &str, String)]) -> String {
    let Schema { block, .. } = pipeline_schema();
    let mut out = String::from("# secretmonitor_pipeline\n\n<!-- Generated from the resource schema by `make docs`; edit src/terraform/schema.rs. -->\n\n");
    let _ = writeln!(out, "{}\n", block.description.content);
    out.push_str("## Examples\n\n");
    for (title, path, content) in examples {
        let _ = writeln!(out, "### {title} ({path})\n\n```hcl\n{content}```\n");
    }
    out.push_str("## Arguments\n\n");
    out.push_str("Every argument is checked at `terraform validate` and `terraform plan`, without any AWS call; the rules are listed under each argument (\"Checked at plan\"). A value that is unknown at plan time (computed from another resource) is checked at apply, before any AWS call. Each error names the argument, so Terraform shows its file and line.\n\n");
    arguments(&mut out, &block, "", pipeline_rules);
    blocks(&mut out, &block, "###", "");
    out.push_str("\n## Attributes\n\n");
    for (name, a) in sorted(&block) {
        if a.constraint == AttributeConstraint::Computed {
            let _ = writeln!(
                out,
                "- `{name}` ({}) {}",
                type_name(&a.attr_type),
                a.description.content
            );
        }
    }
    out.push_str(&import_section());
    out
}

/// The resource page's import section: by identity (with the configuration
/// Terraform generates) and by ID.
fn import_section() -> String {
    let mut out = String::from("\n## Import\n\nBy identity (Terraform 1.12 and later), with the configuration written for you (Terraform 1.14 and later):\n\n```hcl\nimport {\n  to       = secretmonitor_pipeline.prod\n  identity = { name = \"prod\" }\n}\n```\n\n```sh\nterraform plan -generate-config-out=generated.tf\n```\n\nThe generated configuration holds only the arguments that differ from their defaults, and the subscribers the topic has; it plans with no changes against the imported state. The identity's attributes:\n\n");
    for a in pipeline_identity_schema().attributes {
        let kind = if a.required_for_import {
            "Required"
        } else {
            "Optional"
        };
        let _ = writeln!(
            out,
            "- `{}` ({kind}, {}) {}",
            a.name,
            type_name(&a.attr_type),
            a.description
        );
    }
    out.push_str("\nBy ID:\n\n```sh\nterraform import secretmonitor_pipeline.prod prod-secrets\n```\n\nThe pipeline is found by its name in the provider's account and region. Settings that cannot be read back from AWS (`secrets`, `allowed_principals`, `tags`) come from your configuration at the next apply; a generated configuration leaves them out, so add them before applying it to a pipeline that has them.\n");
    out
}

/// The example of the list resource page (checked by `terraform fmt` with
/// the other examples): its path.
pub const LIST_EXAMPLE: &str = "examples/query/pipelines.tfquery.hcl";

/// The page of `list "secretmonitor_pipeline"`; `example` is the content of
/// [`LIST_EXAMPLE`].
pub fn list_page(example: &str) -> String {
    let Schema { block, .. } = list_schema();
    let mut out = String::from("# secretmonitor_pipeline (list resource)\n\n<!-- Generated from the list resource schema by `make docs`; edit src/terraform/schema.rs. -->\n\n");
    let _ = writeln!(out, "{}\n", block.description.content);
    out.push_str("Each result has the pipeline's identity (`account_id`, `region`, `name`) and a display name; with `include_resource = true`, the full state an import of it gives.\n\n");
    let _ = writeln!(out, "## Example ({LIST_EXAMPLE})\n\n```hcl\n{example}```\n");
    out.push_str("```sh\nterraform query\nterraform query -generate-config-out=generated.tf\n```\n\nThe second writes a `resource` and an `import` block for each pipeline found; `terraform apply` then imports them.\n\n## Arguments of `config`\n\n");
    arguments(&mut out, &block, "list.", pipeline_rules);
    out
}

/// The action page's example: the action, run after each create and update
/// of the pipeline (checked with Terraform 1.15 by scripts/action_test.py,
/// which applies the same blocks).
const ACTION_EXAMPLE: &str = r#"resource "secretmonitor_pipeline" "prod" {
  name    = "prod-secrets"
  secrets = ["prod/*"]

  notification {
    emails = ["secops@example.com"]
  }

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.secretmonitor_test_alert.prod]
    }
  }
}

action "secretmonitor_test_alert" "prod" {
  config {
    name = secretmonitor_pipeline.prod.name
    # paths = ["alarm"] tests the alarm path alone
  }
}
"#;

pub fn action_page() -> String {
    let Schema { block, .. } = test_alert_schema();
    let mut out = String::from("# secretmonitor_test_alert (action)\n\n<!-- Generated from the action schema by `make docs`; edit src/terraform/action.rs. -->\n\n");
    let _ = writeln!(out, "{}\n", block.description.content);
    out.push_str("Actions need Terraform 1.14 or later; a configuration without `action` blocks works with older versions as before.\n\n");
    let _ = writeln!(out, "## Example\n\n```hcl\n{ACTION_EXAMPLE}```\n");
    out.push_str("Run it on demand, without planning any change to the pipeline:\n\n```sh\nterraform apply -invoke=action.secretmonitor_test_alert.prod\n```\n\n");
    out.push_str("Terraform prints each step as it happens:\n\n```\nAction action.secretmonitor_test_alert.prod (triggered by CLI): alarm prod-secrets-secret-access set to ALARM\nAction action.secretmonitor_test_alert.prod (triggered by CLI): alarm prod-secrets-secret-access back to OK\nAction action.secretmonitor_test_alert.prod (triggered by CLI): rule prod-secrets-secret-reads matches a synthetic unauthorised read of prod/secretmonitor-verification by arn:aws:iam::111122223333:user/secretmonitor-verification (TestEventPattern)\nAction action.secretmonitor_test_alert.prod (triggered by CLI): SNS accepted message 3f6c1e0a-... for the per-event path\n```\n\n");
    out.push_str("## Arguments (`config` block)\n\n");
    arguments(&mut out, &block, "", action_rules);
    let _ = writeln!(out, "\n## What each path does\n\n- `alarm`: DescribeAlarms and GetTopicAttributes check that the alarm's SNS action names a topic that exists; SetAlarmState sets the alarm to ALARM with the test label as its reason, so the subscribers get CloudWatch's usual alarm notification; the alarm history is watched for up to {} s for the SNS action's result; then the alarm, once raised, is set back to OK, always (even when a step failed or the path ran out of time).\n- `event`: the pipeline's read rules are read from EventBridge (the action knows only the pipeline's name, not its configuration); a synthetic unauthorised read is chosen that the stored rules notify on (its secret from the rules' own `secretId` conditions), EventBridge's TestEventPattern confirms each stored rule on its way matches it, and a labelled message in the per-event format is published to the topic.\n\nEach path stops after {} s. The action succeeds when every selected path did; otherwise it fails with one error per failed path, \"Test alert failed on the alarm path\" or \"... on the per-event path\", whose detail names the AWS call and its error. No secret is read, and nothing is written to the state.", crate::verify::ACTION_WAIT.as_secs(), crate::verify::PATH_TIMEOUT.as_secs());
    out.push_str("\nThe pipeline is found by its `name` in the provider's account and region, as `terraform import` finds it; a name with no pipeline fails with \"No such pipeline\".\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// `UPDATE_DOCS=1 cargo test docs_are_current` (what `make docs` runs)
    /// rewrites the pages; otherwise stale pages fail the suite.
    #[test]
    fn docs_are_current() {
        let examples: Vec<(&str, &str, String)> = PAGE_EXAMPLES
            .iter()
            .map(|(title, path)| {
                let content = std::fs::read_to_string(root().join(path)).expect(path);
                (*title, *path, content)
            })
            .collect();
        let list_example = std::fs::read_to_string(root().join(LIST_EXAMPLE)).expect(LIST_EXAMPLE);
        let pages = [
            (root().join("docs/index.md"), provider_page()),
            (
                root().join("docs/list-resources/pipeline.md"),
                list_page(&list_example),
            ),
            (
                root().join("docs/resources/pipeline.md"),
                pipeline_page(&examples),
            ),
            (root().join("docs/actions/test_alert.md"), action_page()),
        ];
        let update = std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1");
        for (path, rendered) in pages {
            if update {
                std::fs::create_dir_all(path.parent().expect("docs dir")).expect("create docs dir");
                std::fs::write(&path, &rendered).expect("write docs page");
                continue;
            }
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == rendered,
                "{} is stale: run `make docs` and commit the result",
                path.display()
            );
        }
    }

    #[test]
    fn every_argument_and_attribute_is_documented() {
        let page = pipeline_page(&[]);
        for name in pipeline_schema().block.attributes.keys() {
            assert!(
                page.contains(&format!("`{name}`")),
                "{name} missing from the resource page"
            );
        }
    }

    #[test]
    fn every_validation_rule_is_on_the_resource_page() {
        let page = pipeline_page(&[]);
        for rule in crate::terraform::validate::RULES {
            assert!(
                page.contains(&format!("Checked at plan: {}", rule.text)),
                "rule of {} missing from the resource page",
                rule.path
            );
        }
    }

    #[test]
    fn every_action_argument_and_rule_is_on_the_action_page() {
        let page = action_page();
        for name in test_alert_schema().block.attributes.keys() {
            assert!(page.contains(&format!("`{name}`")), "{name}");
        }
        for rule in ACTION_RULES {
            assert!(
                page.contains(&format!("Checked at plan: {}", rule.text)),
                "rule of {} missing from the action page",
                rule.path
            );
        }
    }
}
