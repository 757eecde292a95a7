import type { EngineBlueprint, EngineDriver, EngineName } from './driver.js';

/** The drivers berth runs, and which blueprint belongs to which. */
export class EngineRegistry {
  constructor(private readonly drivers: readonly EngineDriver[]) {}

  blueprints(): EngineBlueprint[] {
    return this.drivers.flatMap((driver) => driver.blueprints());
  }

  resolve(blueprintId: string): { driver: EngineDriver; blueprint: EngineBlueprint } | undefined {
    for (const driver of this.drivers) {
      const blueprint = driver.blueprints().find((candidate) => candidate.blueprintId === blueprintId);
      if (blueprint) return { driver, blueprint };
    }
    return undefined;
  }

  driver(engine: EngineName | string): EngineDriver | undefined {
    return this.drivers.find((driver) => driver.engine === engine);
  }
}
