// Connect: the endpoint, the CA bundle, ready command lines that verify the
// server's certificate, and the master password (shown on request, changed, rotated).

import { confirmThenRun } from './actions.js';
import { field } from './dialog.js';
import { h, shellWord, summaryList } from './dom.js';
import { endpointText } from './databases.js';
import { button, headingBar, loadInto } from './panel.js';

export function caBundlePath(identifier) {
  return `/certificates/${encodeURIComponent(identifier)}.pem`;
}

/** The shell lines that fetch the CA bundle and connect with full certificate verification. */
export function connectCommands(db, origin) {
  const ca = db.caCertificateIdentifier;
  const endpoint = db.masterEndpoint ?? {};
  if (!ca || !endpoint.address) return [];
  const file = `${ca}.pem`;
  const fetchLine = `curl -fsS -o ${shellWord(file)} ${shellWord(new URL(caBundlePath(ca), origin).href)}`;
  if (db.engine === 'mysql') {
    return [
      fetchLine,
      ['mariadb', '--protocol=TCP', `--host=${endpoint.address}`, `--port=${endpoint.port}`, `--user=${db.masterUsername ?? ''}`, '-p',
        '--ssl', `--ssl-ca=${file}`, '--ssl-verify-server-cert', db.masterDatabaseName ?? ''].map(shellWord).join(' '),
    ];
  }
  const conninfo = [
    `host=${endpoint.address}`,
    `port=${endpoint.port}`,
    'sslmode=verify-full',
    `sslrootcert=${file}`,
    `user=${db.masterUsername ?? ''}`,
    `dbname=${db.masterDatabaseName ?? ''}`,
  ].join(' ');
  return [fetchLine, `psql ${shellWord(conninfo)}`];
}

function connection(db) {
  const ca = db.caCertificateIdentifier;
  const commands = connectCommands(db, location.origin);
  return h('div', {},
    summaryList([
      ['Endpoint', h('code', {}, endpointText(db))],
      ['Master database / user', `${db.masterDatabaseName ?? '—'} / ${db.masterUsername ?? '—'}`],
      ['Engine', `${db.engine ?? ''} ${db.engineVersion ?? ''}`.trim()],
      ['CA', ca ?? '—'],
    ]),
    ca
      ? h('p', {}, 'CA bundle: ', h('a', { href: caBundlePath(ca), download: `${ca}.pem` }, `${ca}.pem`))
      : h('p', { className: 'muted' }, 'No CA certificate identifier yet.'),
    commands.length > 0
      ? h('pre', { className: 'command', tabIndex: 0, ariaLabel: 'Commands to connect' }, commands.join('\n'))
      : h('p', { className: 'muted' }, 'No endpoint yet.'));
}

function passwordSection(context) {
  const name = context.db.name;
  const shown = h('div', { className: 'password', ariaLive: 'polite' });
  const show = async () => {
    const answer = await loadInto(shown, 'Could not read the master password (GetRelationalDatabaseMasterUserPassword)', () =>
      context.client.call('GetRelationalDatabaseMasterUserPassword', { relationalDatabaseName: name, passwordVersion: 'CURRENT' }));
    if (!answer) return;
    shown.replaceChildren(
      h('code', { className: 'secret', dataset: { testid: 'master-password' } }, answer.masterUserPassword ?? '(none)'),
      ' ', button('Hide', () => shown.replaceChildren()));
  };
  const change = () => {
    const password = field('New master password (8 to 128 printable ASCII characters, no / " @ or space)', { type: 'password', required: true, minLength: 8, maxLength: 128 });
    return confirmThenRun(context, {
      title: `Change the master password of ${name}?`,
      body: [h('p', {}, 'The engine takes the new password now; sessions already open stay open.'), password.node],
      confirmLabel: 'Change password',
      label: `Change the master password of ${name}`,
      operation: 'UpdateRelationalDatabase',
      input: () => ({ relationalDatabaseName: name, masterUserPassword: password.control.value, applyImmediately: true }),
    }).then(() => shown.replaceChildren());
  };
  const rotate = () => confirmThenRun(context, {
    title: `Rotate the master password of ${name}?`,
    body: h('p', {}, 'berth generates a new master password and sets it now; read it here afterwards.'),
    confirmLabel: 'Rotate password',
    label: `Rotate the master password of ${name}`,
    operation: 'UpdateRelationalDatabase',
    input: { relationalDatabaseName: name, rotateMasterUserPassword: true, applyImmediately: true },
  }).then(() => shown.replaceChildren());
  return h('div', {},
    headingBar('Master password',
      button('Show master password', show),
      button('Change password…', change),
      button('Rotate password…', rotate)),
    shown);
}

export const connectTab = {
  id: 'connect',
  label: 'Connect',
  open(panel, context) {
    let info = connection(context.db);
    let key = JSON.stringify([context.db.masterEndpoint, context.db.caCertificateIdentifier, context.db.engineVersion]);
    panel.append(h('h3', {}, 'Connect'), info, passwordSection(context));
    return {
      update(db) {
        const now = JSON.stringify([db.masterEndpoint, db.caCertificateIdentifier, db.engineVersion]);
        if (now === key) return;
        key = now;
        const next = connection(db);
        info.replaceWith(next);
        info = next;
      },
    };
  },
};
