//! Typed IAM policy documents. Every policy the provider writes (key, bucket,
//! topic, role trust and permissions) is built from these types and serialised
//! with serde, so no input can change a document's structure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyDocument {
    #[serde(rename = "Version")]
    pub version: String,
    #[serde(rename = "Statement")]
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    pub fn new(statements: Vec<Statement>) -> Self {
        Self {
            version: "2012-10-17".to_owned(),
            statements,
        }
    }

    pub fn to_json(&self) -> String {
        // A document of strings, lists and maps always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Principal {
    #[serde(rename = "Service")]
    Service(String),
    #[serde(rename = "AWS")]
    Aws(String),
    /// `"Principal": "*"`, used only in Deny statements.
    #[serde(untagged)]
    Everyone(Wildcard),
    /// `"Principal": {"Service": [...]}`: several services in one statement
    /// (the findings log group's writers, EventBridge and its log delivery).
    #[serde(untagged)]
    Services(ServicePrincipals),
}

/// Serialises as `{"Service": [..]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicePrincipals {
    #[serde(rename = "Service")]
    pub services: Vec<String>,
}

/// Serialises as the bare string `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Wildcard {
    #[serde(rename = "*")]
    Star,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "Sid")]
    pub sid: String,
    #[serde(rename = "Effect")]
    pub effect: Effect,
    #[serde(rename = "Principal", skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    #[serde(rename = "Action")]
    pub actions: Vec<String>,
    /// Absent in trust policies, which IAM rejects when they name a resource.
    #[serde(rename = "Resource", skip_serializing_if = "Vec::is_empty", default)]
    pub resources: Vec<String>,
    #[serde(
        rename = "Condition",
        skip_serializing_if = "BTreeMap::is_empty",
        default
    )]
    pub conditions: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

impl Statement {
    pub fn allow(sid: &str) -> Self {
        Self {
            sid: sid.to_owned(),
            effect: Effect::Allow,
            principal: None,
            actions: Vec::new(),
            resources: Vec::new(),
            conditions: BTreeMap::new(),
        }
    }

    pub fn deny(sid: &str) -> Self {
        Self {
            effect: Effect::Deny,
            ..Self::allow(sid)
        }
    }

    pub fn principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    pub fn service(self, service: impl Into<String>) -> Self {
        self.principal(Principal::Service(service.into()))
    }

    /// Several service principals, as one `{"Service": [..]}`.
    pub fn services<S: Into<String>>(self, services: impl IntoIterator<Item = S>) -> Self {
        self.principal(Principal::Services(ServicePrincipals {
            services: services.into_iter().map(Into::into).collect(),
        }))
    }

    pub fn actions(mut self, actions: &[&str]) -> Self {
        self.actions = actions.iter().map(|a| (*a).to_owned()).collect();
        self
    }

    pub fn resources<S: Into<String>>(mut self, resources: impl IntoIterator<Item = S>) -> Self {
        self.resources = resources.into_iter().map(Into::into).collect();
        self
    }

    pub fn condition(self, operator: &str, key: &str, value: impl Into<String>) -> Self {
        self.condition_any(operator, key, [value.into()])
    }

    /// A condition met when the key matches any of `values`.
    pub fn condition_any<S: Into<String>>(
        mut self,
        operator: &str,
        key: &str,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        self.conditions
            .entry(operator.to_owned())
            .or_default()
            .insert(key.to_owned(), values.into_iter().map(Into::into).collect());
        self
    }
}

/// Whether a policy AWS returned says the same as the one we wrote. IAM
/// normalises documents (a one-element list may come back as a string, lists
/// may be reordered, some services URL-encode), so text equality would report
/// drift that is not there.
pub fn equivalent(returned: &str, ours: &PolicyDocument) -> bool {
    fn normalise(value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::Array(items) => {
                let mut items: Vec<Value> = items.into_iter().map(normalise).collect();
                if items.len() == 1 {
                    return items.remove(0);
                }
                items.sort_by_key(|v| v.to_string());
                Value::Array(items)
            }
            Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, normalise(v))).collect())
            }
            other => other,
        }
    }
    let Ok(returned) = serde_json::from_str::<serde_json::Value>(returned) else {
        return false;
    };
    let Ok(ours) = serde_json::to_value(ours) else {
        return false;
    };
    normalise(returned) == normalise(ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalence_ignores_normalisation_but_not_changes() {
        let ours = PolicyDocument::new(vec![Statement::allow("A")
            .service("cloudwatch.amazonaws.com")
            .actions(&["sns:Publish"])
            .resources(["arn:aws:sns:us-east-1:1:t"])]);
        let normalised = r#"{"Statement":[{"Sid":"A","Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":"sns:Publish","Resource":"arn:aws:sns:us-east-1:1:t"}],"Version":"2012-10-17"}"#;
        assert!(equivalent(normalised, &ours));
        assert!(equivalent(&ours.to_json(), &ours));
        let widened = normalised.replace("sns:Publish", "sns:*");
        assert!(!equivalent(&widened, &ours));
        assert!(!equivalent("not json", &ours));
    }

    #[test]
    fn serialises_in_the_iam_grammar() {
        let doc = PolicyDocument::new(vec![
            Statement::allow("A")
                .service("cloudtrail.amazonaws.com")
                .actions(&["s3:GetBucketAcl"])
                .resources(["arn:aws:s3:::b"])
                .condition("StringEquals", "aws:SourceArn", "arn:x"),
            Statement::deny("B")
                .principal(Principal::Everyone(Wildcard::Star))
                .actions(&["s3:*"])
                .resources(["arn:aws:s3:::b"]),
        ]);
        let value: serde_json::Value = serde_json::from_str(&doc.to_json()).unwrap();
        assert_eq!(value["Version"], "2012-10-17");
        assert_eq!(
            value["Statement"][0]["Principal"]["Service"],
            "cloudtrail.amazonaws.com"
        );
        assert_eq!(
            value["Statement"][0]["Condition"]["StringEquals"]["aws:SourceArn"][0],
            "arn:x"
        );
        assert_eq!(value["Statement"][1]["Principal"], "*");
        assert!(value["Statement"][1].get("Condition").is_none());
    }

    #[test]
    fn several_services_share_one_principal() {
        let doc = PolicyDocument::new(vec![Statement::allow("A")
            .services(["events.amazonaws.com", "delivery.logs.amazonaws.com"])
            .actions(&["logs:PutLogEvents"])
            .resources(["arn:aws:logs:us-east-1:1:log-group:g:*"])]);
        let value: serde_json::Value = serde_json::from_str(&doc.to_json()).unwrap();
        assert_eq!(
            value["Statement"][0]["Principal"],
            serde_json::json!({ "Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"] })
        );
        let back: PolicyDocument = serde_json::from_str(&doc.to_json()).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn hostile_values_stay_values() {
        let hostile = r#"x"],"Effect":"Allow","Action":["*"#;
        let doc = PolicyDocument::new(vec![Statement::allow("A")
            .actions(&["kms:Decrypt"])
            .resources([hostile])]);
        let value: serde_json::Value = serde_json::from_str(&doc.to_json()).unwrap();
        assert_eq!(value["Statement"][0]["Resource"][0], hostile);
        assert_eq!(value["Statement"].as_array().unwrap().len(), 1);
    }
}
