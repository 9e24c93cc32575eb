// Starts one gateway node from the environment (see README for the variables).
import { ConfigError, loadConfig } from './config/index.ts';
import { createNode } from './node.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const node = await createNode(config, {
    onFatal: (reason) => {
      console.error(`Gateway ${config.municipality} cannot recover (${reason}); exiting so its supervisor restarts it.`);
      process.exit(1);
    },
  });
  const url = await node.start();
  console.log(`Kommunebro gateway ${config.municipality} on ${url}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await node.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(`Gateway failed to start: ${(error as Error).message}`);
  process.exit(1);
});
