/**
 * Recipes for the operations whose success would create, destroy or disturb
 * something. Each gets a poison: a change that makes the request invalid
 * whatever the mutations did, chosen to fail as deep as possible (a name
 * that is taken, a state that forbids the action, a bad password...).
 */
import fc from 'fast-check';
import { RESOURCE_NAME_PATTERN } from '../../src/domain/names.js';
import { hostileString, mixedString, notableString } from './hostile-values.js';
import type { Poison, Recipe } from './model-cases.js';
import { ADMIN_OPERATION } from './model-shapes.js';
import { wrongType } from './model-values.js';
import type { RecipeValues } from './recipe-values.js';

/** A string that is not a valid database/snapshot name (so it can neither name nor create anything). */
export const invalidResourceName = hostileString.filter((s) => !RESOURCE_NAME_PATTERN.test(s));

const poison = (label: string, set: Record<string, unknown>, drop?: string[]): Poison => (drop ? { label, set, drop } : { label, set });
const notIn = (values: readonly string[]) => hostileString.filter((s) => !values.includes(s));
const namePoisons = (member: string, names: string[]) =>
  fc.oneof(
    fc.constantFrom(...names).map((name) => poison(`${member} = ${name}`, { [member]: name })),
    invalidResourceName.map((name) => poison(`${member} invalid`, { [member]: name })),
    wrongType('ResourceName').map((value) => poison(`${member} wrong type`, { [member]: value })),
    fc.constant(poison(`${member} missing`, {}, [member])),
  );

const badParameter = fc.oneof(
  fc.constant({ parameterName: 'fuzz_no_such_parameter', parameterValue: '1', applyMethod: 'immediate' }),
  fc.constantFrom('port', 'ssl', 'archive_command', 'fsync', 'log_line_prefix', 'data_directory', 'PORT').map((name) => ({
    parameterName: name,
    parameterValue: '1',
    applyMethod: 'pending-reboot',
  })),
  fc.constant({ parameterName: 'shared_buffers', parameterValue: '128MB', applyMethod: 'immediate' }),
  fc.constantFrom('4MB\n', '4MB\r', '\u0000', 'a\u0000b').map((value) => ({ parameterName: 'work_mem', parameterValue: value, applyMethod: 'immediate' })),
  fc.constant({ parameterName: 'work_mem', applyMethod: 'immediate' }),
  fc.constant({ parameterValue: '1', applyMethod: 'immediate' }),
  fc.constant({ parameterName: '', parameterValue: '1', applyMethod: 'immediate' }),
  notIn(['immediate', 'pending-reboot']).map((method) => ({ parameterName: 'work_mem', parameterValue: '4MB', applyMethod: method })),
  invalidResourceName
    .filter((name) => !/^[a-z_][a-z0-9_.]*$/i.test(name.trim()))
    .map((name) => ({ parameterName: name, parameterValue: '1', applyMethod: 'pending-reboot' })),
  fc.constantFrom('not-a-size', '-5', '99999999999999999999', '4 parsecs', "'; DROP TABLE x; --").map((value) => ({
    parameterName: 'work_mem',
    parameterValue: value,
    applyMethod: 'immediate',
  })),
);

const windowPoisons = fc.oneof(
  notIn([]).map((w) => poison('preferredBackupWindow invalid', { preferredBackupWindow: w })),
  fc.constantFrom('10:00-10:20', '24:00-00:30', '9:00-9:30', '10:00-10:30 ', '10:00–10:30').map((w) => poison(`preferredBackupWindow ${w}`, { preferredBackupWindow: w })),
  notIn([]).map((w) => poison('preferredMaintenanceWindow invalid', { preferredMaintenanceWindow: w })),
  fc.constantFrom('mon:10:00-mon:10:10', 'mon:10:00-wed:10:00', 'tuesday:10:00-tuesday:10:30', 'mon:24:00-tue:00:30').map((w) =>
    poison(`preferredMaintenanceWindow ${w}`, { preferredMaintenanceWindow: w }),
  ),
  fc.constant(poison('windows overlap', { preferredBackupWindow: '10:00-10:45', preferredMaintenanceWindow: 'tue:10:30-tue:11:00' })),
);
const badPassword = fc.oneof(
  fc.constantFrom('short', 'x'.repeat(129), 'has space1', 'bad/slash1', 'bad"quote1', 'bad@at-12', 'tab\tinside1', 'nul\u0000inside', 'ünïcode-pass1'),
  hostileString.filter((s) => s.length < 8 || s.length > 128 || /[^\x21-\x7e]|[/"@]/.test(s)),
);

export function refuseRecipes({ fx, tags, invalidTags, dbName, snapName, zone, bundle, backupWindow, maintenanceWindow, password, time, plausible }: RecipeValues): Recipe[] {
  const refuse = (operation: string, base: fc.Arbitrary<Record<string, unknown>>, poisons: fc.Arbitrary<Poison>): Recipe => ({
    operation,
    expectation: 'refuse',
    base,
    poisons,
    plausible,
  });

  return [
    refuse(
      'CreateRelationalDatabase',
      fc.record(
        {
          relationalDatabaseName: fc.constantFrom(fx.db1, fx.freeName),
          availabilityZone: zone,
          relationalDatabaseBlueprintId: plausible.relationalDatabaseBlueprintId!,
          relationalDatabaseBundleId: bundle,
          masterDatabaseName: plausible.masterDatabaseName!,
          masterUsername: plausible.masterUsername!,
          masterUserPassword: password,
          preferredBackupWindow: backupWindow,
          preferredMaintenanceWindow: maintenanceWindow,
          publiclyAccessible: fc.boolean(),
          tags,
        },
        { requiredKeys: ['relationalDatabaseName', 'relationalDatabaseBlueprintId', 'relationalDatabaseBundleId', 'masterDatabaseName', 'masterUsername'] },
      ),
      fc.oneof(
        { weight: 4, arbitrary: fc.constant(poison('name taken', { relationalDatabaseName: fx.db1 })) },
        { weight: 1, arbitrary: invalidResourceName.map((n) => poison('name invalid', { relationalDatabaseName: n })) },
        { weight: 1, arbitrary: notIn(fx.blueprints).map((b) => poison('blueprint unknown', { relationalDatabaseBlueprintId: b })) },
        { weight: 1, arbitrary: fc.oneof(fc.constant('micro_1_0'), notIn(['micro_2_0'])).map((b) => poison('bundle unusable', { relationalDatabaseBundleId: b })) },
        { weight: 1, arbitrary: fc.oneof(fc.constantFrom('eu-west-1a', 'us-east-1d', 'US-EAST-1A'), notIn([])).map((z) => poison('zone', { availabilityZone: z })) },
        {
          weight: 1,
          arbitrary: fc
            .oneof(fc.constantFrom('1admin', 'berth_owner', 'a'.repeat(64), 'has space', 'dash-ed', ''), hostileString.filter((s) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(s)))
            .map((u) => poison('masterUsername invalid', { masterUsername: u })),
        },
        {
          weight: 1,
          arbitrary: fc
            .oneof(fc.constantFrom('1db', 'berth_db', 'a'.repeat(65), 'db-name', ''), hostileString.filter((s) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(s)))
            .map((d) => poison('masterDatabaseName invalid', { masterDatabaseName: d })),
        },
        { weight: 1, arbitrary: badPassword.map((p) => poison('masterUserPassword invalid', { masterUserPassword: p })) },
        { weight: 1, arbitrary: windowPoisons },
        { weight: 1, arbitrary: invalidTags.map((t) => poison('tags invalid', { tags: t })) },
      ),
    ),
    refuse(
      'CreateRelationalDatabaseSnapshot',
      fc.record(
        { relationalDatabaseName: dbName, relationalDatabaseSnapshotName: fc.constantFrom(fx.snap1, 'fuzz-new-snap'), tags },
        { requiredKeys: ['relationalDatabaseName', 'relationalDatabaseSnapshotName'] },
      ),
      fc.oneof(
        { weight: 3, arbitrary: fc.constant(poison('snapshot name taken', { relationalDatabaseSnapshotName: fx.snap1 })) },
        { weight: 1, arbitrary: invalidResourceName.map((n) => poison('snapshot name invalid', { relationalDatabaseSnapshotName: n })) },
        { weight: 1, arbitrary: namePoisons('relationalDatabaseName', [fx.db2, fx.ghost]) },
        { weight: 1, arbitrary: invalidTags.map((t) => poison('tags invalid', { tags: t })) },
      ),
    ),
    refuse(
      'CreateRelationalDatabaseFromSnapshot',
      fc
        .tuple(
          fc.record(
            {
              relationalDatabaseName: fc.oneof({ weight: 3, arbitrary: fc.constant(fx.freeName) }, { weight: 1, arbitrary: fc.constant(fx.db1) }),
              availabilityZone: zone,
              publiclyAccessible: fc.boolean(),
              relationalDatabaseBundleId: bundle,
              tags,
            },
            { requiredKeys: ['relationalDatabaseName'] },
          ),
          fc.oneof(
            fc.record({ relationalDatabaseSnapshotName: fc.oneof({ weight: 3, arbitrary: fc.constant(fx.snap1) }, { weight: 1, arbitrary: snapName }) }),
            fc.record(
              { sourceRelationalDatabaseName: dbName, restoreTime: time, useLatestRestorableTime: fc.boolean() },
              { requiredKeys: ['sourceRelationalDatabaseName'] },
            ),
          ),
        )
        .map(([common, origin]) => ({ ...common, ...origin })),
      fc.oneof(
        { weight: 2, arbitrary: fc.constant(poison('name taken', { relationalDatabaseName: fx.db1 })) },
        { weight: 1, arbitrary: invalidResourceName.map((n) => poison('name invalid', { relationalDatabaseName: n })) },
        { weight: 1, arbitrary: invalidTags.map((t) => poison('tags invalid', { tags: t })) },
        {
          weight: 2,
          arbitrary: fc.oneof(fc.constantFrom('micro_1_0', 'nano_2_0'), notIn(['micro_2_0', 'small_2_0'])).map((b) => poison('bundle unusable', { relationalDatabaseBundleId: b })),
        },
        { weight: 2, arbitrary: fc.oneof(fc.constantFrom('eu-west-1a', 'us-east-1d'), notIn([])).map((z) => poison('zone', { availabilityZone: z })) },
        { weight: 1, arbitrary: fc.constant(poison('snapshot unknown', { relationalDatabaseSnapshotName: fx.ghost })) },
        {
          weight: 1,
          arbitrary: fc
            .constantFrom(86_400, '1971-01-01T00:00:00Z', 253_402_300_799, '9999-01-01T00:00:00Z')
            .map((t) => poison('restoreTime out of range', { sourceRelationalDatabaseName: fx.db1, restoreTime: t })),
        },
        { weight: 1, arbitrary: fc.constant(poison('snapshot and source', { relationalDatabaseSnapshotName: fx.snap1, sourceRelationalDatabaseName: fx.db1 })) },
        { weight: 1, arbitrary: fc.constant(poison('no origin', {}, ['relationalDatabaseSnapshotName', 'sourceRelationalDatabaseName'])) },
      ),
    ),
    refuse(
      'DeleteRelationalDatabase',
      fc.record(
        { relationalDatabaseName: dbName, skipFinalSnapshot: fc.boolean(), finalRelationalDatabaseSnapshotName: fc.constantFrom(fx.snap1, 'fuzz-final') },
        { requiredKeys: ['relationalDatabaseName'] },
      ),
      fc.oneof(
        namePoisons('relationalDatabaseName', [fx.ghost]),
        fc.oneof(fc.constantFrom(fx.snap1, 'fuzz-final'), hostileString).map((n) =>
          poison('skipFinalSnapshot with a final snapshot name', { skipFinalSnapshot: true, finalRelationalDatabaseSnapshotName: n }),
        ),
        invalidResourceName.map((n) => poison('final snapshot name invalid', { finalRelationalDatabaseSnapshotName: n })),
        fc.constant(poison('final snapshot name taken', { finalRelationalDatabaseSnapshotName: fx.snap1 })),
      ),
    ),
    refuse('StartRelationalDatabase', fc.record({ relationalDatabaseName: dbName }), namePoisons('relationalDatabaseName', [fx.db1, fx.ghost])),
    refuse(
      'StopRelationalDatabase',
      fc.record({ relationalDatabaseName: dbName, relationalDatabaseSnapshotName: fc.constantFrom(fx.snap1, 'fuzz-stop-snap') }, { requiredKeys: ['relationalDatabaseName'] }),
      fc.oneof(
        namePoisons('relationalDatabaseName', [fx.db2, fx.ghost]),
        fc.constant(poison('snapshot name taken', { relationalDatabaseSnapshotName: fx.snap1 })),
        invalidResourceName.map((n) => poison('snapshot name invalid', { relationalDatabaseSnapshotName: n })),
      ),
    ),
    refuse('RebootRelationalDatabase', fc.record({ relationalDatabaseName: dbName }), namePoisons('relationalDatabaseName', [fx.db2, fx.ghost])),
    refuse(
      'UpdateRelationalDatabase',
      fc.record(
        {
          relationalDatabaseName: dbName,
          masterUserPassword: password,
          rotateMasterUserPassword: fc.boolean(),
          preferredBackupWindow: backupWindow,
          preferredMaintenanceWindow: maintenanceWindow,
          enableBackupRetention: fc.boolean(),
          disableBackupRetention: fc.boolean(),
          publiclyAccessible: fc.boolean(),
          applyImmediately: fc.boolean(),
          caCertificateIdentifier: plausible.caCertificateIdentifier!,
          relationalDatabaseBlueprintId: fc.constantFrom('postgres_17', 'postgres_16'),
        },
        { requiredKeys: ['relationalDatabaseName'] },
      ),
      fc.oneof(
        namePoisons('relationalDatabaseName', [fx.db2, fx.ghost]),
        badPassword.map((p) => poison('masterUserPassword invalid', { masterUserPassword: p })),
        fc.constant(poison('password and rotation', { rotateMasterUserPassword: true, masterUserPassword: 'Valid-pass1' })),
        fc.tuple(fc.boolean(), fc.boolean()).map(([e, d]) => poison('enable and disable retention', { enableBackupRetention: e, disableBackupRetention: d })),
        notIn(fx.caIdentifiers).map((ca) => poison('caCertificateIdentifier unknown', { caCertificateIdentifier: ca })),
        fc.oneof(fc.constantFrom('mariadb_10_11', 'postgres_15', 'postgres_18'), notIn(['postgres_16', 'postgres_17'])).map((b) =>
          poison('blueprint change', { relationalDatabaseBlueprintId: b }),
        ),
        windowPoisons,
      ),
    ),
    refuse(
      'DeleteRelationalDatabaseSnapshot',
      fc.record({ relationalDatabaseSnapshotName: snapName }),
      namePoisons('relationalDatabaseSnapshotName', [fx.ghost, fx.db1]),
    ),
    refuse(
      'UpdateRelationalDatabaseParameters',
      fc.record({
        // Mostly the available database: only there do the parameters reach the engine's own checks.
        relationalDatabaseName: fc.oneof({ weight: 4, arbitrary: fc.constant(fx.db1) }, { weight: 1, arbitrary: dbName }),
        parameters: fc.array(
          fc.record(
            {
              parameterName: plausible.parameterName!,
              parameterValue: fc.oneof({ weight: 3, arbitrary: plausible.parameterValue! }, { weight: 1, arbitrary: mixedString }, { weight: 1, arbitrary: notableString }),
              applyMethod: plausible.applyMethod!,
              allowedValues: mixedString,
              isModifiable: fc.boolean(),
              dataType: fc.constantFrom('integer', 'string'),
            },
            { requiredKeys: ['parameterName', 'parameterValue', 'applyMethod'] },
          ),
          { minLength: 0, maxLength: 3 },
        ),
      }),
      fc.oneof(
        { weight: 1, arbitrary: namePoisons('relationalDatabaseName', [fx.db2, fx.ghost]) },
        { weight: 6, arbitrary: fc.tuple(badParameter, fc.nat({ max: 3 })).map(([item, at]) => ({ label: 'a bad parameter', insert: { member: 'parameters', item, at } })) },
        { weight: 1, arbitrary: fc.constant(poison('no parameters', { parameters: [] })) },
      ),
    ),
    {
      operation: ADMIN_OPERATION,
      // The fixtures have no pending maintenance (and nothing here can add any): always refused.
      expectation: 'refuse',
      base: fc.record({ relationalDatabaseName: fc.oneof(dbName, fc.constant(fx.snap1)) }),
      plausible,
    },
  ];
}
