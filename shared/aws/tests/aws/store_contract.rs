//! The table-store contract against DynamoDB on moto: one table for this
//! test binary, every case under its own keys (the contract scopes them).

use myx_aws::DynamoStore;
use tokio::sync::OnceCell;

static TABLE: OnceCell<String> = OnceCell::const_new();

async fn store() -> DynamoStore {
    let config = myx_emulator::sdk_config();
    let table = TABLE
        .get_or_init(|| async { myx_emulator::create_table(&myx_emulator::sdk_config()).await })
        .await;
    DynamoStore::new(&config, table.clone())
}

myx_store_contract::contract_tests!(store());
