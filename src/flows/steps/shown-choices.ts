/**
 * Choices as the contact sees them: titles are templates, rendered. A title that renders blank (a
 * template over a missing value) shows the choice's id instead: "1. " told the customer nothing,
 * and channels refuse an empty button. Titles that render alike are sent as they are; a typed
 * title then matches none of them (ask-answer.ts), so the customer answers by number or tap.
 */
export function shownChoices(
  choices: ReadonlyArray<{ id: string; title: string }>,
  render: (template: string) => string,
): Array<{ id: string; title: string }> {
  return choices.map((c) => {
    const title = render(c.title);
    return { id: c.id, title: title.trim() ? title : c.id };
  });
}
