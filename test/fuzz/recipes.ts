/**
 * The recipe of every operation: its plausible base, what berth must do with
 * it, and the poisons of those that must be refused. Reads may succeed
 * (nothing may change); TagResource/UntagResource may succeed with exactly
 * their documented effect; everything else always gets a poison applied
 * last (refuse-recipes.ts), so a 200 is a finding.
 */
import type { Fixtures } from './fixtures.js';
import type { Recipe } from './model-cases.js';
import { readRecipes, tagRecipes } from './read-recipes.js';
import { recipeValues } from './recipe-values.js';
import { refuseRecipes } from './refuse-recipes.js';

export function recipes(fx: Fixtures): Recipe[] {
  const values = recipeValues(fx);
  return [...readRecipes(values), ...tagRecipes(values), ...refuseRecipes(values)];
}
