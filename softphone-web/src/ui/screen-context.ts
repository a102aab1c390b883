import type { AppState } from '../app/state.ts';
import type { PhoneController } from '../app/phone-controller.ts';
import type { Translate } from '../i18n/index.ts';

export interface ScreenContext {
  state: AppState;
  t: Translate;
  controller: PhoneController;
  languageSwitch: HTMLElement;
}
