import { type JsonPathSegments } from './jsonPath';
import { type ValidationIssue } from './validationIssue';

/**
 * Adaptive Card checks for cards a bot posts to Teams.
 *
 * Written by hand, not with the `adaptivecards` package: its current release (3.x) does not load in Node
 * (its ESM build imports extension-less paths), its UMD bundle is a DOM renderer whose parser never rejects
 * anything (it drops unknown elements and reports warnings), and the 1.2.x copy in node_modules knows only
 * schema 1.2. Nor as one zod schema: a recursive element union would report every branch's complaint for one
 * mistake, where a walk can say exactly what is wrong and where.
 *
 * Strict on the envelope, lenient inside elements: a wrong `type`/`version`, a misspelt top-level field or
 * an element type Teams does not know makes Teams drop content or refuse the card, so those are rejected
 * up front; the many optional properties of each element are Teams' to interpret (it ignores unknown
 * ones), and mirroring the full schema here would only reject cards Teams renders.
 */

/**
 * "Teams platform supports v1.5 or earlier of Adaptive Card features for bot sent cards" (Microsoft Learn,
 * Teams: Types of cards › Support for Adaptive Cards). A higher version is not rendered.
 */
export const teamsAdaptiveCardVersions = ['1.0', '1.1', '1.2', '1.3', '1.4', '1.5'] as const;

export const adaptiveCardContentType = 'application/vnd.microsoft.card.adaptive';

/** A validated card: the envelope is known, everything else is passed to Teams as given. */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  version: string;
  body?: unknown[];
  actions?: unknown[];
  [property: string]: unknown;
}

/** Top-level AdaptiveCard properties of schema 1.0–1.5, plus Teams' `msteams` (width, mentions). */
const cardProperties = new Set([
  '$schema',
  'type',
  'version',
  'body',
  'actions',
  'selectAction',
  'fallbackText',
  'backgroundImage',
  'minHeight',
  'rtl',
  'speak',
  'lang',
  'verticalContentAlignment',
  'refresh',
  'authentication',
  'metadata',
  'msteams',
]);

/** Element types of schema 1.0–1.5. `Media` is left out on purpose: Teams does not render Media elements. */
const elementTypes = new Set([
  'TextBlock',
  'Image',
  'RichTextBlock',
  'Container',
  'ColumnSet',
  'FactSet',
  'ImageSet',
  'ActionSet',
  'Table',
  'Input.Text',
  'Input.Number',
  'Input.Date',
  'Input.Time',
  'Input.Toggle',
  'Input.ChoiceSet',
]);

const actionTypes = new Set(['Action.OpenUrl', 'Action.Submit', 'Action.ShowCard', 'Action.ToggleVisibility', 'Action.Execute']);

/**
 * Validates `raw` as the card of a bot message at `path`; returns every problem found (none means valid).
 * Nested `Action.ShowCard` cards are checked the same way, except that they carry no version.
 */
export function validateAdaptiveCard(raw: unknown, path: JsonPathSegments): ValidationIssue[] {
  return validateCard(raw, path, true);
}

export function isAdaptiveCard(raw: unknown): raw is AdaptiveCard {
  return validateAdaptiveCard(raw, []).length === 0;
}

function validateCard(raw: unknown, path: JsonPathSegments, topLevel: boolean): ValidationIssue[] {
  if (!isPlainObject(raw)) return [{ path, message: 'An Adaptive Card must be an object with "type": "AdaptiveCard"' }];
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(raw)) {
    if (!cardProperties.has(key)) issues.push({ path: [...path, key], message: `Unknown Adaptive Card property "${key}"` });
  }
  if (raw.type !== 'AdaptiveCard') {
    issues.push({ path: [...path, 'type'], message: `Must be "AdaptiveCard"${raw.type === undefined ? '' : `, not ${JSON.stringify(raw.type)}`}` });
  }
  if (topLevel || raw.version !== undefined) issues.push(...validateVersion(raw.version, [...path, 'version']));
  if (raw.$schema !== undefined && typeof raw.$schema !== 'string') issues.push({ path: [...path, '$schema'], message: 'Must be a string (the schema URL)' });

  const body = raw.body;
  const actions = raw.actions;
  if (body !== undefined) {
    if (Array.isArray(body)) issues.push(...validateElements(body, [...path, 'body']));
    else issues.push({ path: [...path, 'body'], message: 'Must be an array of card elements' });
  }
  if (actions !== undefined) {
    if (Array.isArray(actions)) issues.push(...validateActions(actions, [...path, 'actions']));
    else issues.push({ path: [...path, 'actions'], message: 'Must be an array of actions' });
  }
  const empty = (value: unknown) => value === undefined || (Array.isArray(value) && value.length === 0);
  if (topLevel && empty(body) && empty(actions)) {
    issues.push({ path: [...path, 'body'], message: 'The card shows nothing: give at least one element in body (or an action)' });
  }
  if (raw.selectAction !== undefined) issues.push(...validateAction(raw.selectAction, [...path, 'selectAction']));
  return issues;
}

function validateVersion(version: unknown, path: JsonPathSegments): ValidationIssue[] {
  const supported = `Teams renders versions ${teamsAdaptiveCardVersions[0]}–${teamsAdaptiveCardVersions[teamsAdaptiveCardVersions.length - 1]}`;
  if (version === undefined) return [{ path, message: `Required: the card's schema version as a string, e.g. "1.5"; ${supported}` }];
  if (typeof version !== 'string') return [{ path, message: `Must be a string such as "1.5", not ${JSON.stringify(version)}` }];
  if (!(teamsAdaptiveCardVersions as readonly string[]).includes(version)) return [{ path, message: `Unsupported version "${version}"; ${supported} in bot messages` }];
  return [];
}

function validateElements(elements: readonly unknown[], path: JsonPathSegments): ValidationIssue[] {
  return elements.flatMap((element, index) => validateElement(element, [...path, index]));
}

function validateElement(raw: unknown, path: JsonPathSegments): ValidationIssue[] {
  if (!isPlainObject(raw)) return [{ path, message: 'A card element must be an object with a "type"' }];
  const type = raw.type;
  if (typeof type !== 'string' || type === '') return [{ path: [...path, 'type'], message: 'Required: the element type as a string, e.g. "TextBlock"' }];
  if (!elementTypes.has(type)) {
    // A card may use an element Teams lacks if it says what to show instead; that is what `fallback` is for.
    if (raw.fallback !== undefined) return [];
    const why = type === 'Media' ? 'Teams does not render Media elements' : `"${type}" is not an Adaptive Card 1.5 element type`;
    return [{ path: [...path, 'type'], message: `${why}; use a supported element or give the element a "fallback"` }];
  }
  const issues: ValidationIssue[] = [];
  switch (type) {
    case 'Container':
      issues.push(...validateChildArray(raw.items, [...path, 'items'], 'elements', validateElements, true));
      break;
    case 'ColumnSet':
      issues.push(...validateChildArray(raw.columns, [...path, 'columns'], 'columns', validateColumns, false));
      break;
    case 'ImageSet':
      issues.push(...validateChildArray(raw.images, [...path, 'images'], 'Image elements', (images, at) => validateTyped(images, at, 'Image', validateElement), true));
      break;
    case 'ActionSet':
      issues.push(...validateChildArray(raw.actions, [...path, 'actions'], 'actions', validateActions, true));
      break;
    case 'Table':
      issues.push(...validateChildArray(raw.rows, [...path, 'rows'], 'TableRow objects', validateRows, false));
      break;
    case 'FactSet':
      issues.push(...validateChildArray(raw.facts, [...path, 'facts'], 'facts', () => [], true));
      break;
    default:
      break;
  }
  if (raw.selectAction !== undefined) issues.push(...validateAction(raw.selectAction, [...path, 'selectAction']));
  return issues;
}

function validateColumns(columns: readonly unknown[], path: JsonPathSegments): ValidationIssue[] {
  return columns.flatMap((column, index) => validateContainerLike(column, [...path, index], 'Column', 'items'));
}

function validateRows(rows: readonly unknown[], path: JsonPathSegments): ValidationIssue[] {
  return rows.flatMap((row, rowIndex) => {
    const at = [...path, rowIndex];
    if (!isPlainObject(row)) return [{ path: at, message: 'A table row must be an object with "cells"' }];
    const issues = typeIs(row, at, 'TableRow');
    issues.push(
      ...validateChildArray(row.cells, [...at, 'cells'], 'TableCell objects', (cells, cellsPath) =>
        cells.flatMap((cell, cellIndex) => validateContainerLike(cell, [...cellsPath, cellIndex], 'TableCell', 'items')),
      false,
      ),
    );
    return issues;
  });
}

/** Column and TableCell: an object whose `type` may be omitted (the parent implies it) holding `items`. */
function validateContainerLike(raw: unknown, path: JsonPathSegments, type: string, itemsKey: string): ValidationIssue[] {
  if (!isPlainObject(raw)) return [{ path, message: `A ${type} must be an object` }];
  const issues = typeIs(raw, path, type);
  if (raw[itemsKey] !== undefined) issues.push(...validateChildArray(raw[itemsKey], [...path, itemsKey], 'elements', validateElements, false));
  if (raw.selectAction !== undefined) issues.push(...validateAction(raw.selectAction, [...path, 'selectAction']));
  return issues;
}

function validateTyped(
  items: readonly unknown[],
  path: JsonPathSegments,
  type: string,
  validate: (item: unknown, at: JsonPathSegments) => ValidationIssue[],
): ValidationIssue[] {
  return items.flatMap((item, index) => {
    const at = [...path, index];
    // Inside an ImageSet the type may be omitted; when given it must be the implied one.
    if (isPlainObject(item) && item.type === undefined) return validate({ ...item, type }, at);
    if (isPlainObject(item) && item.type !== type) return [{ path: [...at, 'type'], message: `Must be "${type}" here` }];
    return validate(item, at);
  });
}

function typeIs(raw: Record<string, unknown>, path: JsonPathSegments, type: string): ValidationIssue[] {
  return raw.type === undefined || raw.type === type ? [] : [{ path: [...path, 'type'], message: `Must be "${type}" (or omitted) here` }];
}

function validateChildArray(
  value: unknown,
  path: JsonPathSegments,
  what: string,
  validate: (items: readonly unknown[], at: JsonPathSegments) => ValidationIssue[],
  required: boolean,
): ValidationIssue[] {
  if (value === undefined) return required ? [{ path, message: `Required: an array of ${what}` }] : [];
  if (!Array.isArray(value)) return [{ path, message: `Must be an array of ${what}` }];
  return validate(value, path);
}

function validateActions(actions: readonly unknown[], path: JsonPathSegments): ValidationIssue[] {
  return actions.flatMap((action, index) => validateAction(action, [...path, index]));
}

function validateAction(raw: unknown, path: JsonPathSegments): ValidationIssue[] {
  if (!isPlainObject(raw)) return [{ path, message: 'An action must be an object with a "type"' }];
  const type = raw.type;
  if (typeof type !== 'string' || type === '') return [{ path: [...path, 'type'], message: `Required: the action type, one of ${[...actionTypes].join(', ')}` }];
  if (!actionTypes.has(type)) {
    if (raw.fallback !== undefined) return [];
    return [{ path: [...path, 'type'], message: `Unknown action type "${type}"; use one of ${[...actionTypes].join(', ')} or give a "fallback"` }];
  }
  switch (type) {
    case 'Action.OpenUrl':
      return typeof raw.url === 'string' && raw.url !== '' ? [] : [{ path: [...path, 'url'], message: 'Required: the URL to open, as a string' }];
    case 'Action.ShowCard':
      return raw.card === undefined ? [{ path: [...path, 'card'], message: 'Required: the card to show' }] : validateCard(raw.card, [...path, 'card'], false);
    case 'Action.ToggleVisibility':
      return Array.isArray(raw.targetElements) ? [] : [{ path: [...path, 'targetElements'], message: 'Required: an array of element ids to toggle' }];
    default:
      return [];
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
