import { el } from './elementBuilder.js';

/**
 * The send form's optional mention: one of the selected conversation's members (`{aadObjectId, name}`, as the
 * emulator lists them). Rebuilt only when the members change, keeping the choice while it is still a member.
 */
export function renderMentionChoices(select, members) {
  const key = JSON.stringify(members.map((member) => [member.aadObjectId, member.name]));
  if (select.dataset.renderedKey === key) return;
  const chosen = select.value;
  select.dataset.renderedKey = key;
  select.replaceChildren(
    el('option', { value: '' }, 'no mention'),
    ...members.map((member) => el('option', { value: member.aadObjectId, 'data-name': member.name }, `@${member.name}`)),
  );
  select.value = members.some((member) => member.aadObjectId === chosen) ? chosen : '';
}

/**
 * The text and `message.mentions` to send: with a member chosen, `<at>Name</at>` leads the text unless the text
 * has it already (Teams shows a mention only where its `<at>` text is).
 */
export function withChosenMention(select, text) {
  const option = select.selectedOptions[0];
  if (option === undefined || option.value === '') return { text };
  const name = option.dataset.name ?? '';
  const tag = `<at>${name}</at>`;
  return { text: text.includes(tag) ? text : `${tag} ${text}`, mentions: [{ userId: option.value, name }] };
}
