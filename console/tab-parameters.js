// Parameters: the engine's real parameters, searchable; a modifiable one is
// edited with its apply method, and those waiting for a reboot are marked
// until the server has taken them.

import { confirmThenRun } from './actions.js';
import { field } from './dialog.js';
import { h, scroller } from './dom.js';
import { isDenied, problem } from './messages.js';
import { button, headingBar, loadInto } from './panel.js';

export const PENDING_PARAMETERS_OPERATION = 'BerthAdmin_20261127.GetRelationalDatabasePendingParameters';

/** Parameters whose name or description contain `text` (case-insensitive). */
export function searchParameters(parameters, text) {
  const wanted = text.trim().toLowerCase();
  if (wanted === '') return parameters;
  return parameters.filter((p) => String(p.parameterName ?? '').toLowerCase().includes(wanted) || String(p.description ?? '').toLowerCase().includes(wanted));
}

function edit(context, parameter, reload) {
  const value = field(`New value of ${parameter.parameterName}`, { required: true, value: parameter.parameterValue ?? '' });
  const dynamic = parameter.applyType === 'dynamic';
  const method = field('Apply method', {}, dynamic
    ? [['immediate', 'immediate (now)'], ['pending-reboot', 'pending-reboot (at the next reboot)']]
    : [['pending-reboot', 'pending-reboot (a static parameter: at the next reboot)']]);
  return confirmThenRun(context, {
    title: `Change ${parameter.parameterName}?`,
    body: [
      h('p', {}, parameter.description ?? ''),
      parameter.allowedValues ? h('p', { className: 'muted' }, `Allowed: ${parameter.allowedValues}`) : undefined,
      value.node, method.node,
    ],
    confirmLabel: 'Change parameter',
    label: `Change ${parameter.parameterName}`,
    operation: 'UpdateRelationalDatabaseParameters',
    input: () => ({
      relationalDatabaseName: context.db.name,
      parameters: [{ parameterName: parameter.parameterName, parameterValue: value.control.value, applyMethod: method.control.value }],
    }),
  }).then(reload);
}

export const parametersTab = {
  id: 'parameters',
  label: 'Parameters',
  open(panel, context) {
    const name = context.db.name;
    const search = field('Search parameters', { type: 'search', id: 'parameter-search', placeholder: 'name or description' });
    const status = h('p', { className: 'muted', ariaLive: 'polite' });
    const list = h('div');
    let parameters = [];
    let pending = new Set();

    function show() {
      const shown = searchParameters(parameters, search.control.value);
      const applyStatus = context.db.parameterApplyStatus;
      status.textContent = `${shown.length} of ${parameters.length} parameters · apply status: ${applyStatus ?? '—'}${pending.size ? ` (waiting for a reboot: ${[...pending].join(', ')})` : ''}`;
      list.replaceChildren(scroller(h('table', { className: 'parameters' },
        h('thead', {}, h('tr', {}, ['Name', 'Value', 'Apply type', 'Allowed values', ''].map((label) => h('th', { scope: 'col' }, label)))),
        h('tbody', {}, shown.map((p) => h('tr', { dataset: { parameter: p.parameterName } },
          h('td', {}, h('code', {}, p.parameterName), p.description ? h('div', { className: 'muted small' }, p.description) : undefined),
          h('td', {}, h('code', { className: 'wrap' }, p.parameterValue ?? ''), pending.has(String(p.parameterName).toLowerCase())
            ? h('span', { className: 'badge badge-warn' }, 'pending reboot') : undefined),
          h('td', {}, p.applyType ?? ''),
          h('td', {}, h('span', { className: 'wrap' }, p.allowedValues ?? '')),
          h('td', {}, p.isModifiable ? button('Edit…', () => edit(context, p, reload), { ariaLabel: `Edit ${p.parameterName}` }) : h('span', { className: 'muted' }, 'fixed'))))))));
    }

    async function reload() {
      const all = await loadInto(list, 'Could not read the parameters (GetRelationalDatabaseParameters)', () =>
        context.client.all('GetRelationalDatabaseParameters', { relationalDatabaseName: name }, 'parameters'));
      if (!all) return;
      parameters = all;
      try {
        const answer = await context.client.call(PENDING_PARAMETERS_OPERATION, { relationalDatabaseName: name });
        pending = new Set((answer.pendingParameterNames ?? []).map((n) => String(n).toLowerCase()));
      } catch (error) {
        // A policy without berth:GetRelationalDatabasePendingParameters still sees the parameters.
        pending = new Set();
        show();
        if (!isDenied(error)) list.prepend(problem('Could not read the parameters waiting for a reboot', error));
        return;
      }
      show();
    }

    search.control.addEventListener('input', show);
    panel.append(headingBar('Parameters', button('Refresh', reload)), h('div', { className: 'bar' }, search.node), status, list);
    void reload();
    // The engine is asked again once it serves with another apply status (after a reboot, say); not while it is down.
    let seen = `${context.db.state} ${context.db.parameterApplyStatus}`;
    return {
      update(db) {
        const now = `${db.state} ${db.parameterApplyStatus}`;
        if (now === seen || db.state !== 'available') return;
        seen = now;
        void reload();
      },
    };
  },
};
