/** The count-and-noun helper lives in the kernel so that services' messages can use it too. */
export { plural } from "../plural.js";
