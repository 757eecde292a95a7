import type {
  GetRegionsRequest,
  GetRelationalDatabaseBlueprintsRequest,
  GetRelationalDatabaseBundlesRequest,
  Region,
  RegionName,
  RelationalDatabaseBlueprint,
  RelationalDatabaseBundle,
  RelationalDatabaseEngine,
} from '@aws-sdk/client-lightsail';
import { BUNDLES } from '../catalog/bundles.js';
import { availabilityZones, REGIONS } from '../catalog/regions.js';
import type { RequestContext } from '../gateway/pipeline.js';
import type { ServiceContext } from './context.js';
import { pageOf } from './pagination.js';

export function getRelationalDatabaseBlueprints(context: ServiceContext, request: RequestContext, input: GetRelationalDatabaseBlueprintsRequest) {
  const blueprints: RelationalDatabaseBlueprint[] = context.engines.blueprints().map((blueprint) => ({
    blueprintId: blueprint.blueprintId,
    engine: blueprint.engine as RelationalDatabaseEngine,
    engineVersion: blueprint.engineVersion,
    engineDescription: blueprint.engineDescription,
    engineVersionDescription: blueprint.engineVersionDescription,
    isEngineDefault: blueprint.isEngineDefault,
  }));
  const page = pageOf(request.operation, blueprints, input.pageToken, context.pageSize);
  return { blueprints: page.items, nextPageToken: page.nextPageToken };
}

export function getRelationalDatabaseBundles(context: ServiceContext, request: RequestContext, input: GetRelationalDatabaseBundlesRequest) {
  const bundles: RelationalDatabaseBundle[] = BUNDLES.filter((bundle) => input.includeInactive === true || bundle.isActive).map(
    (bundle) => ({
      bundleId: bundle.bundleId,
      name: bundle.name,
      price: bundle.price,
      ramSizeInGb: bundle.ramSizeInGb,
      diskSizeInGb: bundle.diskSizeInGb,
      transferPerMonthInGb: bundle.transferPerMonthInGb,
      cpuCount: bundle.cpuCount,
      isEncrypted: bundle.isEncrypted,
      isActive: bundle.isActive,
    }),
  );
  const page = pageOf(request.operation, bundles, input.pageToken, context.pageSize);
  return { bundles: page.items, nextPageToken: page.nextPageToken };
}

export function getRegions(_context: ServiceContext, _request: RequestContext, input: GetRegionsRequest): { regions: Region[] } {
  const zones = (name: string, include: boolean | undefined) =>
    include ? availabilityZones(name).map((zoneName) => ({ zoneName, state: 'available' })) : [];
  return {
    regions: REGIONS.map((region) => ({
      continentCode: region.continentCode,
      description: region.description,
      displayName: region.displayName,
      name: region.name as RegionName,
      availabilityZones: zones(region.name, input.includeAvailabilityZones),
      relationalDatabaseAvailabilityZones: zones(region.name, input.includeRelationalDatabaseAvailabilityZones),
    })),
  };
}
