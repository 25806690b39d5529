//! A [`Condition`] as a DynamoDB condition expression. Attribute names go
//! through placeholders (`ttl` is a reserved word), and only the names and
//! values an expression uses are sent: DynamoDB rejects unused ones.

use super::item::now_seconds;
use super::table::{PK, TTL, VERSION};
use aws_sdk_dynamodb::types::AttributeValue;
use myx_engine::Condition;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConditionExpression {
    pub expression: String,
    pub names: HashMap<String, String>,
    /// `None` when the expression needs no values.
    pub values: Option<HashMap<String, AttributeValue>>,
}

/// The expression for `condition`; `None` for [`Condition::None`].
pub(crate) fn condition_expression(condition: Condition) -> Option<ConditionExpression> {
    let pk = || HashMap::from([("#pk".to_string(), PK.to_string())]);
    let (expression, names, values) = match condition {
        Condition::None => return None,
        Condition::NotExists => ("attribute_not_exists(#pk)", pk(), None),
        Condition::Exists => ("attribute_exists(#pk)", pk(), None),
        Condition::VersionIs(version) => (
            "#ver = :ver",
            HashMap::from([("#ver".to_string(), VERSION.to_string())]),
            Some(HashMap::from([(
                ":ver".to_string(),
                AttributeValue::N(version.to_string()),
            )])),
        ),
        // An item without `ttl` never expires: the comparison is false.
        Condition::NotExistsOrExpired(now) => (
            "attribute_not_exists(#pk) OR #ttl <= :now",
            HashMap::from([
                ("#pk".to_string(), PK.to_string()),
                ("#ttl".to_string(), TTL.to_string()),
            ]),
            Some(HashMap::from([(
                ":now".to_string(),
                AttributeValue::N(now_seconds(now).to_string()),
            )])),
        ),
    };
    Some(ConditionExpression {
        expression: expression.to_string(),
        names,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    #[test]
    fn none_has_no_expression() {
        assert_eq!(condition_expression(Condition::None), None);
    }

    #[test]
    fn every_placeholder_is_defined_and_used() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        for condition in [
            Condition::NotExists,
            Condition::Exists,
            Condition::VersionIs(7),
            Condition::NotExistsOrExpired(now),
        ] {
            let c = condition_expression(condition).unwrap();
            for name in c.names.keys() {
                assert!(c.expression.contains(name.as_str()), "{condition:?}");
            }
            for value in c.values.iter().flat_map(|v| v.keys()) {
                assert!(c.expression.contains(value.as_str()), "{condition:?}");
            }
        }
        let expired = condition_expression(Condition::NotExistsOrExpired(now)).unwrap();
        assert_eq!(
            expired.values.unwrap()[":now"],
            AttributeValue::N("1800000000".into())
        );
    }
}
