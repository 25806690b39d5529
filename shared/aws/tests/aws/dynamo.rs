//! What the contract cannot see: the table's layout, the attributes as the
//! stream and analysts see them, cursors used on the wrong query, items
//! written by someone else, and outages.

use aws_sdk_dynamodb::types::{
    AttributeValue, KeyType, ProjectionType, StreamViewType, TimeToLiveStatus,
};
use aws_sdk_dynamodb::Client;
use jiff::Timestamp;
use myx_aws::DynamoStore;
use myx_engine::{Condition, Item, Key, QueryOptions, StoreError, TableStore};
use serde_json::json;
use std::collections::HashMap;
use tokio::sync::OnceCell;

static TABLE: OnceCell<String> = OnceCell::const_new();

async fn table() -> String {
    TABLE
        .get_or_init(|| async { myx_emulator::create_table(&myx_emulator::sdk_config()).await })
        .await
        .clone()
}

fn unique(prefix: &str) -> String {
    myx_emulator::unique_name(prefix)
}

#[tokio::test]
async fn create_table_matches_the_production_layout() {
    let table = table().await;
    let client = Client::new(&myx_emulator::sdk_config());
    let described = client
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .expect("the table exists");
    let description = described.table().expect("a description");
    let keys: Vec<(&str, &KeyType)> = description
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type()))
        .collect();
    assert_eq!(keys, [("PK", &KeyType::Hash), ("SK", &KeyType::Range)]);
    let mut attributes: Vec<(&str, &str)> = description
        .attribute_definitions()
        .iter()
        .map(|a| (a.attribute_name(), a.attribute_type().as_str()))
        .collect();
    attributes.sort();
    assert_eq!(
        attributes,
        [("GSI1PK", "S"), ("GSI1SK", "S"), ("PK", "S"), ("SK", "S")]
    );
    let indexes = description.global_secondary_indexes();
    assert_eq!(indexes.len(), 1);
    assert_eq!(indexes[0].index_name(), Some("GSI1"));
    let index_keys: Vec<(&str, &KeyType)> = indexes[0]
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type()))
        .collect();
    assert_eq!(
        index_keys,
        [("GSI1PK", &KeyType::Hash), ("GSI1SK", &KeyType::Range)]
    );
    assert_eq!(
        indexes[0].projection().and_then(|p| p.projection_type()),
        Some(&ProjectionType::All)
    );
    let stream = description.stream_specification().expect("a stream");
    assert!(stream.stream_enabled());
    assert_eq!(
        stream.stream_view_type(),
        Some(&StreamViewType::NewAndOldImages)
    );

    let ttl = client
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .expect("TTL is described");
    let ttl = ttl.time_to_live_description().expect("a TTL description");
    assert_eq!(ttl.attribute_name(), Some("ttl"));
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
}

#[tokio::test]
async fn items_are_stored_as_native_attributes() {
    let table = table().await;
    let config = myx_emulator::sdk_config();
    let store = DynamoStore::new(&config, &table);
    let key = Key::new(unique("T#native"), "META");
    let item = Item {
        key: key.clone(),
        gsi1: Some(Key::new(unique("G"), "2026-01-01#x")),
        expires_at: Some(Timestamp::from_second(1_900_000_000).unwrap()),
        version: 3,
        data: json!({
            "count": 42,
            "ratio": 1.5,
            "empty": "",
            "nothing": null,
            "grid": [[1, 2], ["a"]],
            "nested": {"flag": true},
        }),
    };
    store.put(item.clone(), Condition::None).await.unwrap();

    let raw = Client::new(&config)
        .get_item()
        .table_name(&table)
        .key("PK", AttributeValue::S(key.pk.clone()))
        .key("SK", AttributeValue::S(key.sk.clone()))
        .send()
        .await
        .unwrap()
        .item
        .expect("the item is there");
    let s = |v: &str| AttributeValue::S(v.to_string());
    let n = |v: &str| AttributeValue::N(v.to_string());
    assert_eq!(raw["PK"], s(&key.pk));
    assert_eq!(raw["SK"], s("META"));
    assert_eq!(raw["GSI1PK"], s(&item.gsi1.as_ref().unwrap().pk));
    assert_eq!(raw["GSI1SK"], s("2026-01-01#x"));
    assert_eq!(raw["ttl"], n("1900000000"));
    assert_eq!(raw["ver"], n("3"));
    let expected_data = HashMap::from([
        ("count".to_string(), n("42")),
        ("ratio".to_string(), n("1.5")),
        ("empty".to_string(), s("")),
        ("nothing".to_string(), AttributeValue::Null(true)),
        (
            "grid".to_string(),
            AttributeValue::L(vec![
                AttributeValue::L(vec![n("1"), n("2")]),
                AttributeValue::L(vec![s("a")]),
            ]),
        ),
        (
            "nested".to_string(),
            AttributeValue::M(HashMap::from([(
                "flag".to_string(),
                AttributeValue::Bool(true),
            )])),
        ),
    ]);
    assert_eq!(raw["data"], AttributeValue::M(expected_data));
    assert_eq!(raw.len(), 7, "no other attributes: {raw:?}");

    let read = store.get(&key).await.unwrap().expect("readable");
    assert_eq!(read, item);
    assert!(read.data["count"].is_u64(), "integers stay integers");
}

#[tokio::test]
async fn foreign_items_are_read_when_well_formed_and_refused_otherwise() {
    let table = table().await;
    let config = myx_emulator::sdk_config();
    let client = Client::new(&config);
    let store = DynamoStore::new(&config, &table);
    let pk = unique("T#foreign");
    let put = |sk: &str, extra: Vec<(&str, AttributeValue)>| {
        let mut request = client
            .put_item()
            .table_name(&table)
            .item("PK", AttributeValue::S(pk.clone()))
            .item("SK", AttributeValue::S(sk.to_string()));
        for (name, value) in extra {
            request = request.item(name, value);
        }
        request.send()
    };
    put(
        "GOOD",
        vec![
            ("ver", AttributeValue::N("1".into())),
            (
                "data",
                AttributeValue::M(HashMap::from([(
                    "tags".to_string(),
                    AttributeValue::Ss(vec!["a".into(), "b".into()]),
                )])),
            ),
            ("analyst_note", AttributeValue::S("ignored".into())),
        ],
    )
    .await
    .unwrap();
    put(
        "NO_VERSION",
        vec![("data", AttributeValue::M(HashMap::new()))],
    )
    .await
    .unwrap();
    put(
        "BAD_DATA",
        vec![
            ("ver", AttributeValue::N("1".into())),
            ("data", AttributeValue::S("{\"json\": true}".into())),
        ],
    )
    .await
    .unwrap();

    let good = store
        .get(&Key::new(&pk, "GOOD"))
        .await
        .unwrap()
        .expect("there");
    let mut tags: Vec<String> = serde_json::from_value(good.data["tags"].clone()).unwrap();
    tags.sort();
    assert_eq!(tags, ["a", "b"], "a string set reads as a list");
    for sk in ["NO_VERSION", "BAD_DATA"] {
        let result = store.get(&Key::new(&pk, sk)).await;
        assert!(
            matches!(&result, Err(StoreError::Invalid(m)) if m.contains("malformed")),
            "{sk}: {result:?}"
        );
    }
    let result = store.query(&pk, &QueryOptions::prefix("")).await;
    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
}

#[tokio::test]
async fn a_cursor_only_works_for_its_own_query() {
    let table = table().await;
    let store = DynamoStore::new(&myx_emulator::sdk_config(), &table);
    let pk = unique("T#cursor");
    let gsi = unique("G#cursor");
    for sk in ["A", "B", "C"] {
        let item = Item::new(Key::new(&pk, sk), json!({})).with_gsi1(Key::new(&gsi, sk));
        store.put(item, Condition::None).await.unwrap();
    }
    let page = store
        .query(&pk, &QueryOptions::prefix("").limit(1))
        .await
        .unwrap();
    let table_cursor = page.next.expect("more pages");
    let page = store
        .query_gsi1(&gsi, &QueryOptions::prefix("").limit(1))
        .await
        .unwrap();
    let gsi_cursor = page.next.expect("more pages");

    let next = store
        .query(
            &pk,
            &QueryOptions::prefix("")
                .limit(1)
                .after(Some(table_cursor.clone())),
        )
        .await
        .unwrap();
    assert_eq!(next.items[0].key.sk, "B");

    let misuses = [
        store
            .query(
                &unique("T#other"),
                &QueryOptions::prefix("").after(Some(table_cursor.clone())),
            )
            .await,
        store
            .query(
                &pk,
                &QueryOptions::prefix("").after(Some(gsi_cursor.clone())),
            )
            .await,
        store
            .query_gsi1(&gsi, &QueryOptions::prefix("").after(Some(table_cursor)))
            .await,
        store
            .query(
                &pk,
                &QueryOptions::prefix("").after(Some("garbage!".into())),
            )
            .await,
    ];
    for result in misuses {
        assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
    }
}

#[tokio::test]
async fn a_missing_table_or_an_outage_is_unavailable() {
    let missing = DynamoStore::new(&myx_emulator::sdk_config(), unique("no-such-table"));
    let result = missing.get(&Key::new("P", "S")).await;
    assert!(
        matches!(&result, Err(StoreError::Unavailable(m)) if m.contains("ResourceNotFoundException")),
        "{result:?}"
    );

    let down = DynamoStore::new(&myx_emulator::unreachable_sdk_config(), "myx");
    let key = Key::new("P", "S");
    let results = [
        down.get(&key).await.map(|_| ()),
        down.put(Item::new(key.clone(), json!({})), Condition::NotExists)
            .await,
        down.query("P", &QueryOptions::prefix("")).await.map(|_| ()),
        down.transact(vec![myx_engine::WriteOp::Delete {
            key: key.clone(),
            condition: Condition::None,
        }])
        .await,
    ];
    for result in results {
        assert!(
            matches!(result, Err(StoreError::Unavailable(_))),
            "{result:?}"
        );
    }
}
