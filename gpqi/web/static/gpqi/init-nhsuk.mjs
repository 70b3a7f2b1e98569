// Start the NHS design system's components (header menu, tables, tabs...).
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";
initAll();
