import { sharedPostgres, type Workload } from '@carbon/platform';

/** How DataHub's components find each other, PostgreSQL, Kafka and OpenSearch (service.ts sets the rest). */
export const ns = 'data-platform.svc';
const db = { secret: 'datahub', key: 'DB_PASSWORD' };

// Shared by GMS and the system-update job.
export const backendEnv: Workload['env'] = {
  DATAHUB_GMS_HOST: `datahub-gms.${ns}`,
  DATAHUB_GMS_PORT: '8080',
  EBEAN_DATASOURCE_HOST: sharedPostgres.address,
  EBEAN_DATASOURCE_URL: sharedPostgres.jdbcUrl('datahub'),
  EBEAN_DATASOURCE_DRIVER: 'org.postgresql.Driver',
  EBEAN_DATASOURCE_USERNAME: 'datahub',
  EBEAN_DATASOURCE_PASSWORD: db,
  KAFKA_BOOTSTRAP_SERVER: `datahub-kafka.${ns}:9092`,
  SCHEMA_REGISTRY_TYPE: 'INTERNAL',
  KAFKA_SCHEMAREGISTRY_URL: `http://datahub-gms.${ns}:8080/schema-registry/api/`,
  ELASTICSEARCH_HOST: `datahub-search.${ns}`,
  ELASTICSEARCH_PORT: '9200',
  ELASTICSEARCH_USE_SSL: 'false',
  GRAPH_SERVICE_IMPL: 'elasticsearch',
  ENTITY_REGISTRY_CONFIG_PATH: '/datahub/datahub-gms/resources/entity-registry.yml',
};

export const authEnv: Workload['env'] = {
  METADATA_SERVICE_AUTH_ENABLED: 'true',
  DATAHUB_SYSTEM_CLIENT_ID: '__datahub_system',
  DATAHUB_SYSTEM_CLIENT_SECRET: { secret: 'datahub', key: 'SYSTEM_CLIENT_SECRET' },
};

// One KRaft broker that is also its own controller (see the kafka workload's `singleton`).
export const kafkaEnv: Workload['env'] = {
  CLUSTER_ID: 'Y2FyYm9uLWRhdGFodWItaw',
  KAFKA_NODE_ID: '1',
  KAFKA_PROCESS_ROLES: 'broker,controller',
  KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
  KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://datahub-kafka.${ns}:9092`,
  KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
  KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
  KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
  KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
  KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
  KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
  KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
  // A sub-directory: Kafka rejects lost+found in a log dir.
  KAFKA_LOG_DIRS: '/var/lib/kafka/data/logs',
  KAFKA_LOG_RETENTION_HOURS: '168',
};
