// Jest globalSetup for integration targets: brings the real local stack (Kafka + Redis) up when it is
// not already answering (idempotent, shared by every integration project). It runs the stack CLI in a
// child process so no probe client lingers in jest's own process.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function stackSetup() {
  const result = spawnSync(process.execPath, [path.join(__dirname, 'stack/cli.mjs'), 'up'], { encoding: 'utf8', env: process.env });
  if (result.status !== 0) {
    throw new Error(`the local stack could not start (Kafka/Redis are needed by integration tests):\n${result.stdout}${result.stderr}`);
  }
  process.env.KAFKA_BROKERS ??= '127.0.0.1:9092';
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
};
